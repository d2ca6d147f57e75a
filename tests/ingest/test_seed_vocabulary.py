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

from ingest.vocabulary import load_seed, normalise_name
from ingest.vocabulary.loader import (
    DATA_DIR,
    VocabularyProblem,
    chinese_herb_names,
    composition,
    looks_like_pinyin,
    read_rows,
    split_list,
)
from ingest.vocabulary.names import name_tokens
from tests.conftest import shared_data

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

# Chinese formula name -> why the seed's herb set differs from TCMNP's (another edition).
KNOWN_FORMULA_DIFFERENCES: dict[str, str] = {
    "香砂六君子汤": "TCMNP omits 茯苓, one of the six gentlemen (六君子) the name counts",
    "四物汤": "TCMNP lists 地黄 beside 熟地黄; the formula has the prepared root only",
    "桃红四物汤": "TCMNP lists only the two herbs added to 四物汤 (桃仁, 红花)",
    "仙方活命饮": "the classical text says 贝母; TCMNP reads it as 川贝母, the seed as 浙贝母",
    "犀角地黄汤": "the seed substitutes 水牛角 for banned rhinoceros horn and reads 芍药 as 赤芍",
    "导赤散": "TCMNP omits 竹叶, which the classical text lists",
    "当归四逆汤": "TCMNP omits 通草, 大枣 and 炙甘草, which the Shang Han Lun lists",
}

# Processed forms and cuts of one herb that formula tables write interchangeably: the herb
# set is compared with these folded onto the plain drug (dose and processing may differ).
SAME_HERB: dict[str, str] = {"炙甘草": "甘草", "荆芥穗": "荆芥", "竹叶心": "竹叶"}

# (file, name) -> why the check cannot confirm an id whose table lists it under another name.
# These ids stay ``unchecked``.
KNOWN_ID_DIFFERENCES: dict[tuple[str, str], str] = {
    ("compounds.tsv", "alisol B 23-acetate"): "SymMap names this CID by its IUPAC name only",
    ("compounds.tsv", "sarsasapogenin"): "SymMap misspells it ('Sarsasopogenin', 'Sarsapogenine')",
    ("compounds.tsv", "sodium danshensu"): "SymMap says 'Danshensu Sodium Salt'; a salt is not "
    "confirmed by name, as salts and free acids have different CIDs",
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


# --- formulas vs the TCMNP compositions ----------------------------------------------------


@cache
def tcmnp_formulas() -> dict[str, list[tuple[str, str]]]:
    path = shared_data("tcmnp_tcmsp", "formula_composition.tsv")
    formulas: dict[str, list[tuple[str, str]]] = {}
    for row in table(path):
        formulas.setdefault(row["formula_cn"].strip(), []).append(
            (row["herb_cn"].strip(), row["dose"].strip())
        )
    return formulas


def _dose_key(dose: str | None) -> str:
    return (dose or "").replace("克", "g").replace(" ", "").lower()


def check_formulas() -> Check:
    """Same herb set as TCMNP where the formula is there; a dose that differs is a warning."""
    vocabulary = load_seed()
    herb_ids = chinese_herb_names(vocabulary)
    check = Check()
    for line, row in seed_rows("formulas.tsv"):
        theirs = tcmnp_formulas().get(row["chinese"])
        if theirs is None:
            continue
        check.covered.add(row["pinyin"])

        # Both sides through the seed's herb names, so 北五味子 and 五味子 are one herb.
        def herb(name: str) -> str:
            plain = SAME_HERB.get(name, name)
            return herb_ids.get(plain, plain)

        ours_by = {herb(h): (h, d) for h, d in composition(row["composition"])}
        theirs_by = {herb(h): (h, d) for h, d in theirs}
        where = f"formulas.tsv:{line} {row['chinese']} ({row['pinyin']})"
        if set(ours_by) != set(theirs_by) and row["chinese"] not in KNOWN_FORMULA_DIFFERENCES:
            only_ours = sorted(ours_by[k][0] for k in set(ours_by) - set(theirs_by))
            only_theirs = sorted(theirs_by[k][0] for k in set(theirs_by) - set(ours_by))
            check.disagreements.append(
                f"{where}: only in seed {only_ours}, only in TCMNP {only_theirs}"
            )
        for shared in set(ours_by) & set(theirs_by):
            (name, ours_dose), (_, their_dose) = ours_by[shared], theirs_by[shared]
            if ours_dose and their_dose and _dose_key(ours_dose) != _dose_key(their_dose):
                check.warnings.append(f"{where}: {name} {ours_dose!r}, TCMNP {their_dose!r}")
    return check


def test_formula_compositions_agree_with_tcmnp() -> None:
    # Doses differ between editions and textbooks, so they are reported, never failed.
    check = check_formulas()
    check.assert_agrees("formulas.tsv vs TCMNP formula_composition.tsv")


# --- identifiers ---------------------------------------------------------------------------

# Words too general to tell two diseases apart ("chronic", "disease"): a shared word must be
# one of the others for two names of one MeSH id to count as the same concept.
_GENERIC_WORDS = frozenset(
    [
        "disease",
        "diseases",
        "disorder",
        "disorders",
        "syndrome",
        "of",
        "and",
        "the",
        "in",
        "with",
        "to",
        "or",
        "nos",
        "acute",
        "chronic",
        "type",
        "primary",
        "secondary",
        "neoplasm",
        "neoplasms",
        "cancer",
        "cancers",
        "infection",
        "infections",
        "pain",
        "malignant",
        "tumor",
        "tumors",
        "adult",
    ]
)
# Tokens a table may add to a compound name without naming another compound: stereo
# descriptors and locants (17-Beta-Estradiol, Propranolol, L-).
_STEREO_WORDS = frozenset(["l", "d", "dl", "alpha", "beta", "r", "s", "cis", "trans"])


def same_compound(ours: list[str], theirs: set[str]) -> bool:
    """One of our names is one of theirs, give or take stereo descriptors and locants."""
    our_keys = {key(n) for n in ours}
    if our_keys & {key(n) for n in theirs}:
        return True
    for mine in ours:
        mine_tokens = set(name_tokens(mine.translate(_GREEK)))
        for other in theirs:
            extra = set(name_tokens(other.translate(_GREEK))) - mine_tokens
            if mine_tokens <= set(name_tokens(other.translate(_GREEK))) and all(
                t in _STEREO_WORDS or t.isdigit() for t in extra
            ):
                return True
    return False


def _stems(name: str) -> set[str]:
    return {t[:5] for t in name_tokens(name) if len(t) >= 3 and t not in _GENERIC_WORDS}


def same_concept(ours: list[str], theirs: set[str]) -> bool:
    """Names of one MeSH id agree when equal or when they share a specific word (stem).

    MeSH has many entry terms per descriptor and tables pick different ones (Diabetes
    Mellitus, Type 1 / Diabetes Mellitus, Insulin-Dependent); a wrong id gives a name with no
    word in common, which is what this catches.
    """
    if {key(n) for n in ours} & {key(n) for n in theirs}:
        return True
    mine = set().union(*(_stems(n) for n in ours))
    return any(mine & _stems(n) for n in theirs)


@dataclass(frozen=True)
class IdCheck:
    """An identifier check: what it confirms and what it finds wrong."""

    check: Check
    confirmed: set[str]  # row keys whose id the check confirmed (must be marked checked)


@cache
def symmap_compounds() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for row in table(shared_data("symmap_v2", "symmap_v2_SMIT.tsv")):
        for cid in row["PubChem_CID"].split("|"):
            if cid.strip():
                names.setdefault(cid.strip(), set()).add(row["Molecule_name"].strip())
    return names


@cache
def symmap_genes() -> dict[str, set[str]]:
    genes: dict[str, set[str]] = {}
    for row in table(shared_data("symmap_v2", "symmap_v2_SMTT.tsv")):
        # Rows without an NCBI id cannot check one: such symbols are not covered.
        if row["NCBI_id"].strip():
            genes.setdefault(row["Gene_symbol"].strip(), set()).add(row["NCBI_id"].strip())
    return genes


@cache
def bc5cdr_mesh() -> dict[str, set[str]]:
    """MeSH id -> mention texts annotated with it in BC5CDR (chemicals and diseases)."""
    folder = shared_data("bc5cdr_train_dev")
    mentions: dict[str, set[str]] = {}
    for name in ("CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt"):
        with (folder / name).open(encoding="utf-8") as handle:
            for line in handle:
                cells = line.rstrip("\n").split("\t")
                if len(cells) >= 6 and cells[1] != "CID":
                    for mesh in cells[5].split("|"):
                        mentions.setdefault(f"{cells[4]}:{mesh}", set()).add(cells[3])
    return mentions


@cache
def symmap_disease_mesh() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for file, column in (
        ("symmap_v2_SMDE.tsv", "Disease_Name"),
        ("symmap_v2_SMMS.tsv", "MM_symptom_name"),
    ):
        for row in table(shared_data("symmap_v2", file)):
            for mesh in row["MeSH_id"].split("|"):
                if mesh.strip():
                    names.setdefault(mesh.strip(), set()).add(row[column].strip())
    return names


def _names(row: dict[str, str]) -> list[str]:
    return [row["name"], *split_list(row["synonyms"])]


def check_ids(file: str) -> IdCheck:
    """Check the id each row of ``file`` is keyed on against the table that covers it.

    compounds: PubChem CID ↔ SymMap SMIT names; targets: symbol ↔ NCBI Gene id in SymMap
    SMTT; diseases: MeSH id ↔ names in SymMap SMDE/SMMS and BC5CDR; drugs: MeSH id ↔ BC5CDR
    chemical mentions (and the PubChem CID ↔ SMIT names where SMIT has it).
    """
    check = Check()
    confirmed: set[str] = set()
    for line, row in seed_rows(file):
        first = row["symbol"] if file == "targets.tsv" else row["name"]
        where = f"{file}:{line} {first}"
        known = (file, first) in KNOWN_ID_DIFFERENCES
        agrees: bool | None = None  # None: no table covers this id
        if file == "compounds.tsv" and row["pubchem_cid"]:
            theirs = symmap_compounds().get(row["pubchem_cid"])
            if theirs is not None:
                agrees = same_compound(_names(row), theirs)
                message = f"PubChem {row['pubchem_cid']} is {sorted(theirs)[:3]} in SymMap"
        elif file == "targets.tsv" and row["ncbi_gene"]:
            ids = symmap_genes().get(row["symbol"])
            if ids is not None:
                agrees = row["ncbi_gene"] in ids
                message = f"NCBI Gene {row['ncbi_gene']}, SymMap {sorted(ids)}"
        elif file == "diseases.tsv" and row["mesh"]:
            theirs = symmap_disease_mesh().get(row["mesh"], set())
            for kind in ("Disease", "Chemical"):
                theirs = theirs | bc5cdr_mesh().get(f"{kind}:{row['mesh']}", set())
            if theirs:
                agrees = same_concept(_names(row), theirs)
                message = f"MeSH {row['mesh']} is {sorted(theirs)[:4]} there"
        elif file == "drugs.tsv" and row["mesh"]:
            theirs = bc5cdr_mesh().get(f"Chemical:{row['mesh']}", set())
            if theirs:
                agrees = same_compound(_names(row), theirs)
                message = f"MeSH {row['mesh']} is {sorted(theirs)[:4]} in BC5CDR"
        if file == "drugs.tsv" and row["pubchem_cid"] in symmap_compounds():
            # A second id of the row: checked for agreement, not counted in id_status.
            smit = symmap_compounds()[row["pubchem_cid"]]
            if not same_compound(_names(row), smit) and not known:
                check.disagreements.append(
                    f"{where}: PubChem {row['pubchem_cid']} is {sorted(smit)[:3]} in SymMap"
                )
        if agrees is None:
            continue
        check.covered.add(first)
        if agrees:
            confirmed.add(first)
        elif not known:
            check.disagreements.append(f"{where}: {message}")
    return IdCheck(check, confirmed)


ID_FILES = ("compounds.tsv", "targets.tsv", "diseases.tsv", "drugs.tsv")


@pytest.mark.parametrize("file", ID_FILES)
def test_ids_agree_with_reference_tables(file: str) -> None:
    check_ids(file).check.assert_agrees(f"{file} ids")


@pytest.mark.parametrize("file", ID_FILES)
def test_id_status_is_honest(file: str) -> None:
    """``checked`` exactly where a check here confirmed the id; ``unchecked`` elsewhere."""
    confirmed = check_ids(file).confirmed
    wrong: list[str] = []
    for line, row in seed_rows(file):
        first = row["symbol"] if file == "targets.tsv" else row["name"]
        status = row["id_status"]
        if status not in ("checked", "unchecked"):
            wrong.append(f"{file}:{line} {first}: id_status {status!r}")
        elif (status == "checked") != (first in confirmed):
            should = "checked" if first in confirmed else "unchecked"
            wrong.append(f"{file}:{line} {first}: marked {status}, should be {should}")
    assert not wrong, "\n".join(wrong)


def test_pathway_ids_are_marked_unchecked() -> None:
    # No bundled table covers KEGG or Reactome ids.
    rows = seed_rows("pathways.tsv")
    wrong = [f"pathways.tsv:{n} {r['name']}" for n, r in rows if r["id_status"] != "unchecked"]
    assert not wrong, "no check covers pathway ids, yet marked checked:\n" + "\n".join(wrong)
