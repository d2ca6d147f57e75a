"""What the OpenAPI schema says a CURIE or an IRI parameter looks like.

The patterns describe values the server always accepts: every string they match expands (a
CURIE, with a known prefix) or parses (an IRI) without error, so a client or a fuzzer that
follows the schema never gets a 400 for the identifier's form. They are documentation, not the
check: the routes keep their own, which answer 400 naming the problem, and which accept a little
more than the pattern (non-ASCII characters, for one).

Both are written in the regular-expression subset that JSON Schema (ECMA 262), Python and Rust
share: no look-around, ``^…$`` anchors.
"""

from __future__ import annotations

import re
from typing import Any

from kg.iri import PREFIXES

_PCT = r"%[0-9A-Fa-f]{2}"
# IRI characters outside the authority: unreserved, sub-delimiters, ':' and '@' (ASCII only).
_SEG = rf"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|{_PCT})"
_PATH = rf"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|{_PCT})"
_QUERY = rf"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|{_PCT})"
_AUTHORITY = (
    rf"(?:(?:[A-Za-z0-9._~!$&'()*+,;=:-]|{_PCT})*@)?"
    rf"(?:[A-Za-z0-9._~!$&'()*+,;=-]|{_PCT})*(?::[0-9]*)?"
)

# An absolute IRI: scheme, then an authority and absolute path, an absolute path not starting
# with '//', a relative-looking path, or nothing; an optional query and fragment.
IRI_PATTERN = (
    rf"^[A-Za-z][A-Za-z0-9+.-]*:(?://{_AUTHORITY}(?:/{_PATH}*)?|/(?:{_SEG}{_PATH}*)?|"
    rf"{_SEG}{_PATH}*|)(?:\?{_QUERY}*)?(?:#{_QUERY}*)?$"
)

_PREFIX = "(?:" + "|".join(re.escape(p) for p in PREFIXES) + ")"
# A CURIE with one of the project's prefixes; its local part may carry one '#' fragment.
CURIE_PATTERN = rf"^{_PREFIX}:{_QUERY}+(?:#{_QUERY}*)?$"
# The same in a URL path, without percent-escapes: a path is decoded before routing, so a '%'
# a client forgets to escape would turn into a different (often invalid) character.
_PATH_CHAR = "[A-Za-z0-9._~!$&'()*+,;=:@/?-]"
PATH_CURIE_PATTERN = rf"^{_PREFIX}:{_PATH_CHAR}+(?:#{_PATH_CHAR}*)?$"


def curie_schema(*, in_path: bool = False, optional: bool = False) -> dict[str, Any]:
    """Schema keywords of a CURIE parameter (for ``json_schema_extra``).

    ``optional``: an empty value is allowed too (a filter left empty is no filter).
    """
    pattern = PATH_CURIE_PATTERN if in_path else CURIE_PATTERN
    if optional:
        pattern = f"^(?:{pattern[1:-1]})?$"
    return {"pattern": pattern}


def iri_schema() -> dict[str, Any]:
    """Schema keywords of an absolute-IRI parameter (for ``json_schema_extra``)."""
    return {"pattern": IRI_PATTERN}
