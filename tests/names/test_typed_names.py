"""Names typed the way people type them, through every interface, on three kinds of store.

One table of names — lay and clinical English, MeSH headings, abbreviations, simplified and
traditional characters, pinyin with and without tones and spaces, Latin in both orders,
species with and without authority, common English names, formula names in pinyin, English
and Kampo, and misspellings — each with the entity (or every candidate) it must find, or the
entity it must suggest. Each row runs through ``tcmkg explain`` (which resolves both the
candidate and the indication as ``tcmkg rank`` does), ``GET /search``, ``GET /candidates`` (or
a candidate's evidence) and the page's suggestion call (``GET /search`` of diseases), and all
agree. The stores: built by ``tcmkg ingest`` alone from a few illustrative sentences, by
``tcmkg import preparations`` alone, and by ``tcmkg load`` of an exported dump.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ingest.examples import EXAMPLE_CATALOGUE
from kg.settings import Settings
from kg.store import open_store
from tcmkg.cli import app

runner = CliRunner()

DM, T2, T1, DN = "MESH:D003920", "MESH:D003924", "MESH:D003922", "MESH:D003928"
HT, CA, LI, INS = "MESH:D006973", "MESH:D009369", "MESH:D056486", "MESH:D007319"
CKD, NAFLD, GD = "MESH:D051436", "MESH:D065626", "MESH:D016640"
HQ = "TCMKG.HERB:astragali-radix"
GC = "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma"
RS = "TCMKG.HERB:ginseng-radix-et-rhizoma"
DS = "TCMKG.HERB:salviae-miltiorrhizae-radix-et-rhizoma"
HL = "TCMKG.HERB:coptidis-rhizoma"
SQ = "TCMKG.HERB:notoginseng-radix-et-rhizoma"
SJW = "TCMKG.HERB:hyperici-perforati-herba"
FJ = ("TCMKG.HERB:aristolochiae-fangchi-radix", "TCMKG.HERB:stephaniae-tetrandrae-radix")
MT = (
    "TCMKG.HERB:akebiae-caulis",
    "TCMKG.HERB:aristolochiae-manshuriensis-caulis",
    "TCMKG.HERB:clematidis-armandii-caulis",
)
GK = ("TCMKG.HERB:ginkgo-folium", "TCMKG.HERB:ginkgo-semen")
LW = "TCMKG.FORMULA:liu-wei-di-huang-wan"
XCH = "TCMKG.FORMULA:xiao-chai-hu-tang"
GGT = "TCMKG.FORMULA:ge-gen-tang"
XYS = "TCMKG.FORMULA:xiao-yao-san"

# (typed, expected entities). Indications.
INDICATIONS: list[tuple[str, tuple[str, ...]]] = [
    ("diabetes", (DM,)),
    ("Diabetes", (DM,)),
    ("DIABETES MELLITUS", (DM,)),
    ("Diabetes Mellitus", (DM,)),
    ("diabetes-mellitus", (DM,)),
    ("糖尿病", (DM,)),
    ("type 2 diabetes", (T2,)),
    ("Type II diabetes", (T2,)),
    ("type-2 diabetes mellitus", (T2,)),
    ("T2DM", (T2,)),
    ("t2dm", (T2,)),
    ("Diabetes Mellitus, Type 2", (T2,)),
    ("2型糖尿病", (T2,)),
    ("type 1 diabetes", (T1,)),
    ("T1DM", (T1,)),
    ("diabetic nephropathy", (DN,)),
    ("Diabetic Nephropathies", (DN,)),
    ("diabetic kidney disease", (DN,)),
    ("糖尿病肾病", (DN,)),
    ("糖尿病腎病", (DN,)),  # traditional
    ("gestational diabetes", (GD,)),
    ("hypertension", (HT,)),
    ("Hypertension", (HT,)),
    ("高血压", (HT,)),
    ("高血壓", (HT,)),  # traditional
    ("cancer", (CA,)),
    ("Neoplasms", (CA,)),
    ("tumour", (CA,)),  # British spelling
    ("tumours", (CA,)),  # and plural
    ("liver injury", (LI,)),
    ("insomnia", (INS,)),
    ("CKD", (CKD,)),
    ("chronic kidney disease", (CKD,)),
    ("NAFLD", (NAFLD,)),
]
# Herbs, formulas: one entity, or every candidate of an ambiguous name.
CANDIDATES: list[tuple[str, tuple[str, ...]]] = [
    ("黄芪", (HQ,)),
    ("黃芪", (HQ,)),  # traditional
    ("huang qi", (HQ,)),
    ("huangqi", (HQ,)),
    ("Huáng Qí", (HQ,)),
    ("Huáng-qí", (HQ,)),
    ("HUANG QI", (HQ,)),
    ("Astragali Radix", (HQ,)),
    ("Radix Astragali", (HQ,)),
    ("radix astragali", (HQ,)),
    ("astragalus", (HQ,)),
    ("Astragalus membranaceus", (HQ,)),
    ("Astragalus membranaceus (Fisch.) Bunge", (HQ,)),  # with authority
    ("Astragalus root", (HQ,)),
    ("licorice", (GC,)),
    ("liquorice", (GC,)),
    ("gan cao", (GC,)),
    ("甘草", (GC,)),
    ("Glycyrrhiza uralensis Fisch.", (GC, GC + "-praeparata-cum-melle")),  # raw and honey-fried
    ("ginseng", (RS,)),
    ("ren shen", (RS,)),
    ("人參", (RS,)),  # traditional
    ("Panax ginseng C.A.Mey.", (RS, RS + "-rubra")),  # white and red ginseng
    ("dan shen", (DS,)),
    ("danshen", (DS,)),
    ("Salvia miltiorrhiza", (DS,)),
    ("Radix Salviae Miltiorrhizae", (DS,)),
    ("huang lian", (HL,)),
    ("Coptis chinensis", (HL,)),
    ("Rhizoma Coptidis", (HL,)),
    ("san qi", (SQ,)),
    ("Panax notoginseng", (SQ,)),
    ("St John's wort", (SJW,)),
    ("St Johns Wort", (SJW,)),
    ("fangji", FJ),
    ("fang ji", FJ),
    ("防己", FJ),
    ("mu tong", MT),
    ("木通", MT),
    ("ginkgo", GK),
    ("Ginkgo biloba", GK),
    ("liu wei di huang wan", (LW,)),
    ("Liuwei Dihuang Wan", (LW,)),
    ("Six-Ingredient Rehmannia Pill", (LW,)),
    ("six ingredient rehmannia pills", (LW,)),
    ("六味地黄丸", (LW,)),
    ("六味地黃丸", (LW,)),  # traditional
    ("xiao chai hu tang", (XCH,)),
    ("Minor Bupleurum Decoction", (XCH,)),
    ("Shosaiko-to", (XCH,)),  # Kampo
    ("小柴胡汤", (XCH,)),
    ("kakkonto", (GGT,)),  # Kampo
    ("ge gen tang", (GGT,)),
    ("xiao yao san", (XYS,)),
]
# Misspellings: nothing is found; the entity must be among the suggestions.
MISSPELT_INDICATIONS: list[tuple[str, str]] = [
    ("diabtes", DM),
    ("diabetis mellitus", DM),
    ("hypertenson", HT),
    ("insomina", INS),
]
MISSPELT_CANDIDATES: list[tuple[str, str]] = [
    ("Astragli Radix", HQ),
    ("huangqii", HQ),
    ("glycyrhiza", GC),
]
ROWS = len(INDICATIONS) + len(CANDIDATES) + len(MISSPELT_INDICATIONS) + len(MISSPELT_CANDIDATES)
assert ROWS >= 80, ROWS

TEXT = (
    "Astragalus membranaceus improved glycaemic control in 120 patients with type 2 diabetes "
    "in a randomized controlled trial.\n\n"
    "Ginkgo biloba leaf extract lowered blood pressure in 80 patients with hypertension.\n"
)


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module", params=["ingest", "preparations", "load"])
def location(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp(f"names-{request.param}")
    store = f"oxigraph:{root / 'store'}"
    if request.param == "preparations":
        code, out = _cli("import", "preparations", str(EXAMPLE_CATALOGUE), "--store", store)
        assert code == 0, out
        return store
    text = root / "abstracts.txt"
    text.write_text(TEXT, encoding="utf-8")
    source = store if request.param == "ingest" else f"oxigraph:{root / 'source'}"
    code, out = _cli("ingest", str(text), "--store", source)
    assert code == 0, out
    if request.param == "load":
        dump = root / "dump.nq"
        code, out = _cli("export", "nquads", str(dump), "--store", source)
        assert code == 0, out
        code, out = _cli("load", str(dump), "--store", store)
        assert code == 0, out
    return store


@pytest.fixture(scope="module")
def client(location: str) -> Iterator[TestClient]:
    with open_store(location) as store, TestClient(create_app(store, Settings())) as c:
        yield c


def _exact(client: TestClient, typed: str, kind: str | None = None) -> set[str]:
    params = {"q": typed, "limit": 50} | ({"kind": kind} if kind else {})
    answer = client.get("/search", params=params)
    assert answer.status_code == 200, answer.text
    return {h["id"] for h in answer.json()["hits"] if h["match"] == "exact"}


@pytest.mark.parametrize(("typed", "expected"), INDICATIONS)
def test_indications_agree_everywhere(
    location: str, client: TestClient, typed: str, expected: tuple[str, ...]
) -> None:
    code, out = _cli("explain", HQ, typed, "--format", "json", "--store", location)
    assert code == 0, out
    matched = {t["id"] for t in json.loads(out)["indication"]["matched"]}
    assert matched == set(expected)
    assert client.get("/candidates", params={"indication": typed}).status_code == 200
    assert set(expected) <= _exact(client, typed)
    page = _exact(client, typed, "Disease") | _exact(client, typed, "Outcome")
    assert page == set(expected)


@pytest.mark.parametrize(("typed", "expected"), CANDIDATES)
def test_candidates_agree_everywhere(
    location: str, client: TestClient, typed: str, expected: tuple[str, ...]
) -> None:
    code, out = _cli("explain", typed, "diabetes", "--format", "json", "--store", location)
    answer = client.get(
        f"/candidates/{quote(typed, safe='')}/evidence", params={"indication": "diabetes"}
    )
    if len(expected) == 1:
        assert code == 0, out
        assert json.loads(out)["candidate"]["id"] == expected[0]
        assert answer.status_code == 200, answer.text
        assert answer.json()["candidate"]["id"] == expected[0]
    else:  # ambiguous: refused with every candidate, in the CLI and the API
        assert code == 2 and "ambiguous" in out
        assert all(c in out for c in expected)
        assert answer.status_code == 404
        body = answer.json()
        assert body["ambiguous"] and {c["id"] for c in body["candidates"]} == set(expected)
    assert set(expected) <= _exact(client, typed)


@pytest.mark.parametrize(("typed", "suggested"), MISSPELT_INDICATIONS)
def test_misspelt_indications_are_suggested_never_taken(
    location: str, client: TestClient, typed: str, suggested: str
) -> None:
    code, out = _cli("rank", typed, "--store", location)
    assert code == 2 and "did you mean" in out
    answer = client.get("/candidates", params={"indication": typed})
    assert answer.status_code == 404
    ids = [s["id"] for s in answer.json()["suggestions"]]
    assert suggested in ids and len(ids) <= 5
    assert not _exact(client, typed, "Disease")


@pytest.mark.parametrize(("typed", "suggested"), MISSPELT_CANDIDATES)
def test_misspelt_candidates_are_suggested_never_taken(
    location: str, client: TestClient, typed: str, suggested: str
) -> None:
    code, out = _cli("explain", typed, "diabetes", "--store", location)
    assert code == 2 and "did you mean" in out
    answer = client.get(
        f"/candidates/{quote(typed, safe='')}/evidence", params={"indication": "diabetes"}
    )
    assert answer.status_code == 404
    assert suggested in [s["id"] for s in answer.json()["suggestions"]]
    assert not _exact(client, typed)


def test_an_indication_covers_its_narrower_terms_unless_asked_exactly(
    location: str, client: TestClient
) -> None:
    code, out = _cli("rank", "diabetes", "--store", location)
    assert code == 0, out
    covers = next(line for line in out.splitlines() if line.startswith("covers: "))
    assert {"Diabetes Mellitus", "Diabetes Mellitus, Type 2"} <= set(covers[8:].split("; "))
    code, out = _cli("rank", "diabetes", "--exact", "--store", location)
    assert code == 0, out
    assert "covers: Diabetes Mellitus\n" in out
    wide = client.get("/candidates", params={"indication": "diabetes"}).json()["rows"]
    narrow = client.get("/candidates", params={"indication": "diabetes", "exact": True})
    assert narrow.status_code == 200 and narrow.json()["rows"] == []
    if "names-ingest" in location:  # its one type 2 diabetes trial counts for "diabetes"
        assert [r["candidate"]["id"] for r in wide] == [HQ]
