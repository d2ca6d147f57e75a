"""The query guard: decisions on SPARQL tokens, checked against a parser's algebra."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.sparql_guard import GuardError, algebra_outbound, check, tokenize

REPO = Path(__file__).resolve().parent.parent.parent
PROJECT_QUERIES = sorted(p for p in REPO.rglob("*.rq") if ".venv" not in p.parts)


def _refusal(text: str, max_depth: int = 64) -> str | None:
    try:
        check(text, max_bytes=1_000_000, max_depth=max_depth)
    except GuardError as err:
        return str(err)
    return None


@pytest.mark.parametrize("path", PROJECT_QUERIES, ids=lambda p: p.name)
def test_project_queries_pass_and_agree_with_the_algebra(path: Path) -> None:
    """Every .rq file of the project passes, as rdflib's algebra also says (no SERVICE)."""
    text = path.read_text(encoding="utf-8")
    assert _refusal(text) is None
    assert check(text, max_bytes=1_000_000, max_depth=64).depth < 15
    assert algebra_outbound(text) is None


@pytest.mark.parametrize(
    ("query", "keyword"),
    [
        ("SELECT * WHERE { ?s <http://a/b> ?o . SERVICE <http://h/> { ?s ?p ?o } }", "SERVICE"),
        # A codepoint escape is decoded before tokenizing, as the grammar says.
        ("SELECT * WHERE { \\u0053ERVICE <http://h/> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service silent <http://h/> { ?s ?p ?o } }", "SERVICE"),
        # The word in an IRI, a string, a comment, a variable or a prefixed name is no keyword.
        (
            "PREFIX ex: <http://e/>\nSELECT ?service WHERE { ?service <http://a/SERVICE> "
            "'SERVICE' ; ex:load ex:a\\#SERVICE # SERVICE <http://h/> { }\n }",
            None,
        ),
    ],
)
def test_service_is_decided_on_tokens_like_the_algebra(query: str, keyword: str | None) -> None:
    """The token decision and rdflib's algebra agree on SERVICE."""
    refusal = _refusal(query)
    if keyword is None:
        assert refusal is None
    else:
        assert refusal is not None and keyword in refusal
    if "\\u" not in query:  # rdflib does not decode codepoint escapes
        assert algebra_outbound(query) == keyword


def test_a_hash_inside_an_iri_hides_nothing() -> None:
    """'#' inside an earlier IRI used to hide the rest of the line from the check.

    rdflib's parser makes the same mistake (it fails to parse this query), so here the
    tokenizer alone decides, as it does at run time.
    """
    query = "SELECT * WHERE { BIND(<http://a/#> AS ?x) SERVICE <http://h/> { ?s ?p ?o } }"
    refusal = _refusal(query)
    assert refusal is not None and "SERVICE" in refusal


def test_load_in_an_update_is_refused_like_the_algebra() -> None:
    """LOAD after an IRI holding '#' is found; the algebra agrees where rdflib can parse."""
    update = "INSERT DATA { <http://a/#> <http://a/p> 1 } ;\nLOAD <http://h/x.ttl>"
    refusal = _refusal(update)
    assert refusal is not None and "LOAD" in refusal
    plain = "INSERT DATA { <http://a/b> <http://a/p> 1 } ;\nLOAD <http://h/x.ttl>"
    assert algebra_outbound(plain, update=True) == "LOAD"


def test_depth_and_size_limits_name_their_setting() -> None:
    """Too deep or too long: refused with the setting's name; at the limit: accepted."""
    assert _refusal("ASK { FILTER(" + "(" * 9 + "1" + ")" * 9 + ") }", max_depth=11) is None
    deep = _refusal("ASK { FILTER(" + "(" * 10 + "1" + ")" * 10 + ") }", max_depth=11)
    assert deep is not None and "TCMKG_QUERY_MAX_DEPTH" in deep
    with pytest.raises(GuardError, match="TCMKG_MAX_QUERY_BYTES"):
        check("ASK { }" + " " * 100, max_bytes=100, max_depth=64)


def test_brackets_in_strings_comments_and_names_do_not_count() -> None:
    """Only bracket tokens nest: those in strings, comments and escaped names do not."""
    query = 'ASK { ?s ?p \'(((((\' . ?s ?p """{{{{""" # [[[[[\n ?s ?p ex:a\\(\\( }'
    assert check(query, max_bytes=10_000, max_depth=64).depth == 1


def test_tokens_follow_the_grammar() -> None:
    """IRIs, strings with escapes, prefixed names with escapes, variables and keywords."""
    tokens = tokenize("SELECT ?x WHERE { <http://a/#b> ex:c\\#d 'e\\'f' } # g")
    assert [t.text for t in tokens] == [
        "SELECT",
        "?x",
        "WHERE",
        "{",
        "<http://a/#b>",
        "ex:c\\#d",
        "'e\\'f'",
        "}",
    ]
