"""Build a held-out multilingual check from Universal Dependencies treebanks the dev set does not use.

Same gold rule as `build_ud_news.py` (the annotators' proper-noun lemmas matched against CLDR's country
names), other treebanks or other splits: the `dev` files of treebanks of other genres (PDB, GSD, CAC,
BOUN, ISDT, Bosque) and, where the language has only the dev set's treebank (uk, bg, sl), its `dev`
split, which nothing was tuned on. Not committed as data: build it when measuring,
    python tests/data/build_ud_heldout.py /work/.mirror > /tmp/ud-heldout.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.data.build_ud_news import MAX_DOCS, MAX_SENTENCES, country_names, documents, gold

SOURCES: dict[str, tuple[str, str]] = {
    "pl": ("UniversalDependencies+UD_Polish-PDB", "pl_pdb-ud-dev.conllu"),
    "cs": ("UniversalDependencies+UD_Czech-CAC", "cs_cac-ud-dev.conllu"),
    "ru": ("UniversalDependencies+UD_Russian-GSD", "ru_gsd-ud-dev.conllu"),
    "uk": ("UniversalDependencies+UD_Ukrainian-IU", "uk_iu-ud-dev.conllu"),
    "bg": ("UniversalDependencies+UD_Bulgarian-BTB", "bg_btb-ud-dev.conllu"),
    "sl": ("UniversalDependencies+UD_Slovenian-SSJ", "sl_ssj-ud-dev.conllu"),
    "de": ("UniversalDependencies+UD_German-GSD", "de_gsd-ud-dev.conllu"),
    "tr": ("UniversalDependencies+UD_Turkish-BOUN", "tr_boun-ud-dev.conllu"),
    "es": ("UniversalDependencies+UD_Spanish-GSD", "es_gsd-ud-dev.conllu"),
    "fr": ("UniversalDependencies+UD_French-GSD", "fr_gsd-ud-dev.conllu"),
    "it": ("UniversalDependencies+UD_Italian-ISDT", "it_isdt-ud-dev.conllu"),
    "pt": ("UniversalDependencies+UD_Portuguese-Bosque", "pt_bosque-ud-dev.conllu"),
}


def main(mirrors: Path) -> None:
    for lang, (repo, path) in SOURCES.items():
        git_dir = mirrors / repo / "repo"
        text = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:{path}"],  # noqa: S607 - a dev-time builder
                              capture_output=True, text=True, check=True).stdout
        names = country_names(lang)
        docs = documents(text)
        if len(docs) < MAX_DOCS:  # a few long documents (CAC, ISDT): cut into pieces as unmarked text is
            docs = documents("\n".join(line for line in text.splitlines() if not line.startswith("# newdoc")))
        for n, doc in enumerate(docs[:MAX_DOCS]):
            doc = doc[:MAX_SENTENCES]
            title, body = doc[0][0], " ".join(s for s, _ in doc[1:]) or doc[0][0]
            rec = {"id": f"udh-{lang}-{n:03d}", "title": title[:300], "body": body, "gold_language": lang,
                   "gold_countries": gold(doc, names), "source": f"{repo.split('+')[1]} ({path})"}
            print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"))
