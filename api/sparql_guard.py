"""Checks every SPARQL query and update passes before any parser sees it.

Three things are refused here, each with a message naming the limit:

* a text longer than ``TCMKG_MAX_QUERY_BYTES`` (a ``GET ?query=`` is not a request body, so the
  body limit alone does not cover it);
* brackets ``(``, ``{`` and ``[`` nested deeper than ``TCMKG_QUERY_MAX_DEPTH``: SPARQL parsers
  are recursive, and a few thousand nested brackets overflow the parsing thread's stack, which
  kills the whole process (a segfault cannot be caught);
* the ``SERVICE`` and ``LOAD`` keywords, which make the engine send requests to other hosts.

The decision is taken on tokens, never on the raw text: :func:`tokenize` follows the terminal
rules of the SPARQL 1.1 grammar (section 19.8): ``IRIREF`` per the grammar, the four string
forms with their escapes, ``#`` comments only outside IRIs and strings, prefixed names with
their ``PLX`` escapes (``ex:a\\#b`` is one name, not a name and a comment), variables, blank
node labels, numbers, language tags, and keywords in any case. A ``#`` inside an IRI therefore
no longer hides the rest of the line, and the word ``service`` inside an IRI, a string, a
comment or a variable name is not a keyword. Codepoint escapes (``\\u0053ERVICE``, section 19.2)
are decoded first, as the grammar says they are.

One point of the grammar is decided by context in Oxigraph's parser: ``<`` after an operand
inside an expression is "less than", so ``FILTER(?a<?b&&?c>?d)`` has no IRI although
``<?b&&?c>`` matches ``IRIREF``. The guard is conservative on both sides of that ambiguity:
brackets inside an ``IRIREF`` token count towards the depth, and an ``IRIREF`` token holding
``)SERVICE`` (the only way an expression could close and a ``SERVICE`` follow without a ``{``,
which no IRI may hold) is refused.

Why not decide on a parsed algebra, as one would wish? rdflib's SPARQL parser (the only
pure-Python one at hand) takes 10-200 ms on the project's own ``.rq`` files, against well under
a millisecond for the tokenizer, which would be most of a small query's cost; it does not parse
everything Oxigraph parses (a query it refuses must not be refused for that reason alone); and
it strips ``#`` comments before parsing much as the old check did, so it cannot parse the very
attack ``BIND(<http://a/#> AS ?x) SERVICE <...>`` at all.
``SERVICE`` and ``LOAD`` enter the algebra only through their keyword, so the token decision is
the parsed one; :func:`algebra_outbound` computes the algebra's answer with rdflib so the tests
can check that both agree on the project's queries and on the known attacks. The tokenizer is
the authority at run time. Behind it, queries are evaluated in child processes that have no
network at all (see :mod:`api.sparql_sandbox`), so a check bypassed would still reach no host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum


class GuardError(ValueError):
    """A query or update refused before parsing; the message names the limit or the feature."""


class Kind(Enum):
    """Token kinds of the SPARQL 1.1 grammar that the checks need to tell apart."""

    IRI = "iri"
    STRING = "string"
    VAR = "var"
    BNODE = "bnode"
    PNAME = "pname"
    NUMBER = "number"
    LANGTAG = "langtag"
    WORD = "word"  # keywords, function names, 'a', true/false
    PUNCT = "punct"
    OTHER = "other"  # a character no terminal starts with (the parser will refuse it)


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text and where it starts in the (unescaped) query."""

    kind: Kind
    text: str
    start: int


_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"

_WS = re.compile(r"[ \t\r\n]+")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VAR = re.compile(f"[?$]{_VARNAME}")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PUNCT = re.compile(r"\^\^|\|\||&&|!=|<=|>=|[(){}\[\],;*=/.+\-<>?!|^]")
_COMMENT = re.compile(r"#[^\r\n]*")
# An unterminated string runs to the end of its line (short forms) or of the text (long forms)
# as one token: the parser refuses the query there, and no part of the text is scanned twice.
_STRING = re.compile(
    r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*(?:'''|'{0,2}\\?\Z)"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*(?:"""|"{0,2}\\?\Z)'
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|"(?:[^"\\\n\r]|\\.)*"?',
    re.DOTALL,
)
_BNODE = re.compile(f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?")
_PNAME = re.compile(f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")

# The terminals that may start with a character, tried in this order (the first that matches
# wins, as in the grammar where IRIREF is tried before '<', VAR before '?'). Dispatching on the
# first character keeps the cost of a token flat, whatever the text around it.
_Rules = tuple[tuple[Kind | None, re.Pattern[str]], ...]
_BY_FIRST: dict[str, _Rules] = {}
for _chars, _rules in (
    (" \t\r\n", ((None, _WS),)),
    ("#", ((None, _COMMENT),)),
    ("<", ((Kind.IRI, _IRI), (Kind.PUNCT, _PUNCT))),
    ("?$", ((Kind.VAR, _VAR), (Kind.PUNCT, _PUNCT))),
    ("0123456789.", ((Kind.NUMBER, _NUMBER), (Kind.PUNCT, _PUNCT))),
    ("'\"", ((Kind.STRING, _STRING),)),
    ("_", ((Kind.BNODE, _BNODE), (Kind.PNAME, _PNAME), (Kind.WORD, _WORD))),
    ("@", ((Kind.LANGTAG, _LANGTAG),)),
    ("(){}[],;*=/+-!|^&>", ((Kind.PUNCT, _PUNCT),)),
):
    for _char in _chars:
        _BY_FIRST[_char] = _rules
# Letters (ASCII or not) and ':' start prefixed names and keywords.
_NAME_RULES: _Rules = ((Kind.PNAME, _PNAME), (Kind.WORD, _WORD))

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_HIDDEN_SERVICE = re.compile(r"(?i)\)\.?SERVICE(?![A-Za-z0-9_])")
_OPENERS = frozenset("({[")
_CLOSERS = frozenset(")}]")
# Keywords that make the engine reach other hosts; refused in queries and updates alike.
OUTBOUND = frozenset({"SERVICE", "LOAD"})


def _unescape(text: str) -> str:
    """Decode SPARQL codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) as the grammar does."""

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(one, text) if "\\u" in text or "\\U" in text else text


def iter_tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL query or update, in order (whitespace and comments dropped)."""
    text = _unescape(text)
    pos, end = 0, len(text)
    while pos < end:
        char = text[pos]
        for kind, rule in _BY_FIRST.get(char, _NAME_RULES):
            match = rule.match(text, pos)
            if match is not None and match.end() > pos:
                if kind is not None:
                    yield Token(kind, match.group(), pos)
                pos = match.end()
                break
        else:
            yield Token(Kind.OTHER, char, pos)
            pos += 1


def tokenize(text: str) -> list[Token]:
    """All the tokens of a SPARQL query or update (see :func:`iter_tokens`)."""
    return list(iter_tokens(text))


@dataclass(frozen=True)
class Checked:
    """What the guard learned about an accepted query."""

    depth: int  # the deepest nesting of ( { [
    names_own_dataset: bool  # FROM / FROM NAMED: the query gives its own dataset


def _iri_depth(iri: str, depth: int) -> int:
    # An expression parser may read '<' as "less than" (see the module notes), and the
    # brackets inside as nesting: count them as if they were.
    inner = deepest = depth
    for char in iri:
        if char == "(":
            inner += 1
            deepest = max(deepest, inner)
        elif char == ")":
            inner = max(depth, inner - 1)
    return deepest


def check(text: str, *, max_bytes: int, max_depth: int, what: str = "query") -> Checked:
    """Refuse ``text`` (raise GuardError) if too long, too deeply nested or reaching out.

    ``what`` is "query" or "update" and appears in the messages. The text is read token by
    token (the loop of :func:`iter_tokens`, inlined: this runs on every request) and the first
    reason to refuse ends the reading, so a megabyte of brackets costs no more than the limit's
    worth of them.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise GuardError(
            f"the {what} is {size:,} bytes, over the limit of {max_bytes:,} bytes "
            "(TCMKG_MAX_QUERY_BYTES)"
        )
    text = _unescape(text)
    depth = deepest = 0
    own_dataset = False
    pos, end = 0, len(text)
    by_first, name_rules = _BY_FIRST, _NAME_RULES
    while pos < end:
        char = text[pos]
        match: re.Match[str] | None = None
        kind: Kind | None = None
        for rule_kind, rule in by_first.get(char, name_rules):
            found = rule.match(text, pos)
            if found is not None and found.end() > pos:
                match, kind = found, rule_kind
                break
        if match is None:
            pos += 1
            continue
        if kind is Kind.PUNCT:
            if char in _OPENERS:
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif char in _CLOSERS and depth:
                depth -= 1
        elif kind is Kind.WORD:
            word = match.group().upper()
            if word in OUTBOUND:
                raise _outbound(word)
            own_dataset = own_dataset or word == "FROM"
        elif kind is Kind.IRI:
            iri = match.group()
            if _HIDDEN_SERVICE.search(iri):
                raise _outbound("SERVICE")
            deepest = max(deepest, _iri_depth(iri, depth))
        if deepest > max_depth:
            raise GuardError(
                f"the {what} nests brackets ( {{ [ deeper than the limit of {max_depth} "
                "(TCMKG_QUERY_MAX_DEPTH); flatten the nested groups or expressions"
            )
        pos = match.end()
    return Checked(deepest, own_dataset)


def _outbound(keyword: str) -> GuardError:
    return GuardError(
        f"{keyword} is disabled on this endpoint: the server does not fetch remote data"
    )


def algebra_outbound(text: str, *, update: bool = False) -> str | None:
    """``SERVICE``/``LOAD`` as found in rdflib's algebra of ``text`` (None when it has neither).

    Raises rdflib's parse errors. Used by the tests to check the token decision against a
    parser's; too slow for the request path (see the module notes).
    """
    from rdflib.plugins.sparql import algebra, parser  # imported here: slow, and tests only

    found: list[str] = []

    def visit(node: object) -> None:
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            found.append("SERVICE")
        elif name == "Load":
            found.append("LOAD")

    if update:
        tree: object = algebra.translateUpdate(parser.parseUpdate(text))
        for part in getattr(tree, "algebra", []):
            algebra.traverse(part, visitPre=visit)
    else:
        parsed = parser.parseQuery(text)
        # ServiceGraphPattern survives in the parse tree; the algebra turns it into a
        # placeholder, so the tree is searched as well as the algebra.
        algebra.traverse(parsed, visitPre=visit)
        algebra.traverse(algebra.translateQuery(parsed).algebra, visitPre=visit)
    return found[0] if found else None
