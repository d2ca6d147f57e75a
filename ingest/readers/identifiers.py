"""Record identifiers as the readers mint them: PMIDs, NCT numbers and the project's own."""

from __future__ import annotations

import hashlib
import re

from kg.iri import own_curie

_PMID = re.compile(r"^(?:PMID:?\s*)?(\d{1,9})$", re.IGNORECASE)
_NCT = re.compile(r"^NCT\d{8}$")
_NCT_IN_TEXT = re.compile(r"\bNCT\d{8}\b")


def pmid_curie(value: str) -> str | None:
    """``PMID:<n>`` from ``123``, ``PMID:123`` or ``PMID 123``; None when it is not a PMID."""
    match = _PMID.match(value.strip())
    return f"PMID:{int(match.group(1))}" if match else None


def nct_curie(value: str) -> str | None:
    """``NCT:NCT01234567`` from an NCT number; None when ``value`` is not one."""
    value = value.strip().upper()
    return f"NCT:{value}" if _NCT.match(value) else None


def nct_curies_in(*texts: str) -> tuple[str, ...]:
    """NCT CURIEs of every registration number mentioned in ``texts``, first mention first."""
    found: dict[str, None] = {}
    for text in texts:
        if "NCT" not in text:  # cheap test first: most texts cite no trial
            continue
        for match in _NCT_IN_TEXT.finditer(text):
            found[f"NCT:{match.group(0)}"] = None
    return tuple(found)


def document_curie(name: str) -> str:
    """``TCMKG.DOC:<slug>`` for a document known only by a name (a file stem, a row id)."""
    return own_curie("TCMKG.DOC", name)


def content_curie(stem: str, text: str) -> str:
    """``TCMKG.DOC:<stem>-<hash>`` for a row without an id, stable however the rows are ordered."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return own_curie("TCMKG.DOC", f"{stem}-{digest}")
