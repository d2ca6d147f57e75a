"""The seed vocabulary checked against third-party tables wherever they overlap.

The seed files are written from knowledge; SymMap v2, TCMSP, the TCMNP formula compositions and
the BC5CDR MeSH annotations (under ../shared/data, present only beside the development checkout)
say where a name or an identifier may be wrong. Each check lists every disagreement it finds,
so one run shows all that needs looking at. A few differences are known and reasoned below;
they are the only exceptions.

``id_status`` in the seed files must be honest: ``checked`` exactly for the ids a check here
covers.
"""

from __future__ import annotations

import csv
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from conftest import shared_data

from ingest.vocabulary import normalise_name
from ingest.vocabulary.loader import (
    DATA_DIR,
    VocabularyProblem,
    looks_like_pinyin,
    read_rows,
    split_list,
)

csv.field_size_limit(sys.maxsize)

# --- known differences (each with its reason) ---------------------------------------------

# (source, Chinese name) -> why the seed's pinyin differs from that table's. All are slips in
# the third-party table (a dropped or swapped letter) or a reading the ChP does not use.
KNOWN_PINYIN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("SymMap", "桂枝"): "SymMap 'Guizi' drops the h of gui zhi (ChP: Guizhi)",
    ("SymMap", "山楂叶"): "SymMap gives the fruit's pinyin 'Shanzha' for the leaf (ChP: Shanzhaye)",
    ("SymMap", "皂角刺"): "SymMap 'Zhaojiaoci': 皂 is zao (ChP: Zaojiaoci)",
    ("SymMap", "羚羊角"): "SymMap 'Lingyangpao': 角 is jiao here (ChP: Lingyangjiao)",
    ("SymMap", "绞股蓝"): "SymMap 'Jiaoguolan': 股 is gu",
    ("TCMSP", "绞股蓝"): "TCMSP 'Jiaoguolan': 股 is gu",
    ("SymMap", "胡黄连"): "SymMap 'Huhuangl1an' has a digit for i (ChP: Huhuanglian)",
    ("SymMap", "银柴胡"): "SymMap 'Yincha' is cut short (ChP: Yinchaihu)",
    ("TCMSP", "南五味子"): "TCMSP 'Nawuweizi' drops the n of nan (ChP: Nanwuweizi)",
    ("TCMSP", "桑椹"): "TCMSP 'Sangsheng': 椹 is shen (ChP: Sangshen)",
    ("TCMSP", "木瓜"): "TCMSP 'Mugau' swaps two letters (ChP: Mugua)",
    ("TCMSP", "秦艽"): "TCMSP 'Qinjia' drops the o of jiao (ChP: Qinjiao)",
    ("TCMSP", "瓦楞子"): "TCMSP 'Waleng' is cut short (ChP: Walengzi)",
}

# (source, Chinese name) -> why none of the seed's Latin names matches that table's variants.
KNOWN_LATIN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("SymMap", "制何首乌"): "SymMap misspells Polygoni as 'Polgoni'",
    ("SymMap", "远志"): "SymMap misspells Radix as 'Raedix'",
    ("SymMap", "青黛"): "SymMap misspells Naturalis ('Naturalls', 'Turalis')",
    (
        "SymMap",
        "牛蒡子",
    ): "SymMap has 'Arctil Fructus' (a typo) and the old 'Fructus Arctii Lappae'",
}

# Greek letters are spelt out in some tables and not in others (β-sitosterol, beta-sitosterol).
_GREEK = str.maketrans({"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa"})


def key(name: str) -> str:
    """A name as the checks compare it: the name index's key, Greek letters spelt out."""
    return normalise_name(name.translate(_GREEK))


def pinyin_key(name: str) -> str:
    """Pinyin as the checks compare it: ü, v and u are one letter (Nvzhenzi, Nüzhenzi)."""
    return key(name).replace("v", "u")


# --- reading -------------------------------------------------------------------------------


def seed_rows(name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of one seed file, read by the project's reader; skip when it is not written."""
    path = DATA_DIR / name
    if not path.is_file():
        pytest.skip(f"seed file {name} is not written yet")
    problems: list[VocabularyProblem] = []
    rows = list(read_rows(path, problems))
    assert not problems, "\n".join(map(str, problems))
    return rows


def table(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a third-party TSV (no quoting: some names hold a literal quote)."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


@dataclass
class Check:
    """What one check found: ids it covered, disagreements (fail) and warnings (reported)."""

    covered: set[str] = field(default_factory=set)
    disagreements: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def assert_agrees(self, what: str) -> None:
        if self.warnings:
            # One warning listing them all, so the run summary stays readable.
            listed = "\n".join(self.warnings)
            warnings.warn(f"{what}: {len(self.warnings)} to look at:\n{listed}", stacklevel=2)
        assert not self.disagreements, (
            f"{len(self.disagreements)} disagreements in {what}:\n" + "\n".join(self.disagreements)
        )


# --- SymMap / TCMSP herb tables ------------------------------------------------------------


@dataclass(frozen=True)
class ThirdPartyHerb:
    pinyin: str
    latin: tuple[str, ...]


@cache
def symmap_herbs() -> dict[str, ThirdPartyHerb]:
    path = shared_data("symmap_v2", "symmap_v2_SMHB.tsv")
    herbs: dict[str, ThirdPartyHerb] = {}
    for row in table(path):
        if row["Suppress"] == "1":
            continue
        latin = tuple(x.strip() for x in row["Latin_name"].split(",") if x.strip())
        herbs[row["Chinese_name"].strip()] = ThirdPartyHerb(row["Pinyin_name"].strip(), latin)
    return herbs


@cache
def tcmsp_herbs() -> dict[str, ThirdPartyHerb]:
    path = shared_data("tcmsp_entities", "tcmsp_herbs.tsv")
    return {
        row["herb_cn_name"].strip(): ThirdPartyHerb(
            row["herb_pinyin"].strip(), (row["herb_en_name"].strip(),)
        )
        for row in table(path)
    }


def _seed_latin_keys(row: dict[str, str]) -> set[str]:
    names = [row["latin"], row["latin_alt"], *split_list(row["aliases"])]
    return {key(n) for n in names if n}


def _species_prefixes(row: dict[str, str]) -> list[str]:
    return [s.lower() for s in split_list(row["species"])]


def check_herbs(source: str, herbs: dict[str, ThirdPartyHerb], *, latin_fails: bool) -> Check:
    """Pinyin must agree; Latin must share one variant (a warning only when not ``latin_fails``)."""
    check = Check()
    for line, row in seed_rows("herbs.tsv"):
        other = herbs.get(row["chinese"])
        if other is None:
            continue
        check.covered.add(row["latin"])
        where = f"herbs.tsv:{line} {row['chinese']} ({row['latin']})"
        known = (source, row["chinese"])
        # A reading the seed lists among its aliases (zhi ke beside the ChP's zhi qiao) agrees.
        readings = {pinyin_key(row["pinyin"])} | {
            pinyin_key(a) for a in split_list(row["aliases"]) if looks_like_pinyin(a)
        }
        if pinyin_key(other.pinyin) not in readings and (known not in KNOWN_PINYIN_DIFFERENCES):
            check.disagreements.append(
                f"{where}: pinyin {row['pinyin']!r}, {source} {other.pinyin!r}"
            )
        if not other.latin:
            continue
        ours = _seed_latin_keys(row)
        theirs = {key(x) for x in other.latin}
        # TCMSP sometimes gives the species with its authority ("Cornus Officinalis Sieb. Et
        # Zucc."): a species of ours at the start of theirs is agreement.
        species_match = any(
            t.lower().startswith(s) for t in other.latin for s in _species_prefixes(row)
        )
        if ours & theirs or species_match or known in KNOWN_LATIN_DIFFERENCES:
            continue
        message = (
            f"{where}: Latin {row['latin']!r}/{row['latin_alt']!r}, {source} {list(other.latin)}"
        )
        (check.disagreements if latin_fails else check.warnings).append(message)
    return check


def test_herb_names_agree_with_symmap() -> None:
    check_herbs("SymMap", symmap_herbs(), latin_fails=True).assert_agrees("herbs.tsv vs SymMap")


def test_herb_names_agree_with_tcmsp() -> None:
    # TCMSP's "English" column mixes pharmaceutical Latin, species and odd variants, so a Latin
    # mismatch there is reported but does not fail; pinyin must agree.
    check_herbs("TCMSP", tcmsp_herbs(), latin_fails=False).assert_agrees("herbs.tsv vs TCMSP")


def test_the_checks_cover_most_herbs() -> None:
    covered = check_herbs("SymMap", symmap_herbs(), latin_fails=False).covered
    total = len(seed_rows("herbs.tsv"))
    # Guards the checks themselves: a broken join would "agree" by covering nothing.
    assert len(covered) >= 0.8 * total, f"only {len(covered)} of {total} herbs are in SymMap"
