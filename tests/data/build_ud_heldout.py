"""Build a held-out multilingual check from Universal Dependencies treebanks the dev set does not use.

Same gold rule as `build_ud_news.py` (the annotators' proper-noun lemmas matched against CLDR's country
names), other treebanks or other splits: the `dev` files of treebanks of other genres (PDB, GSD, CAC,
BOUN, ISDT, Bosque) and, where the language has only the dev set's treebank (uk, bg, sl), its `dev`
split, which nothing was tuned on. Not committed as data: build it when measuring,
    python tests/data/build_ud_heldout.py /work/.mirror > /tmp/ud-heldout.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.data.build_ud_news import records

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
    for rec in records(SOURCES, mirrors, "udh", cut_long=True):  # a few long documents (CAC, ISDT): cut
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"))
