"""Links a reader follows to check a source: PubMed, ClinicalTrials.gov or the DOI resolver."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.iri import CurieError, split_curie

# A trial registry number written without its prefix, as abstracts and tables often give it.
_BARE_NCT = re.compile(r"NCT\d{8}")


@dataclass(frozen=True, slots=True)
class CitationLink:
    """Where a source record can be read, and the name of that site."""

    url: str
    site: str  # "PubMed", "ClinicalTrials.gov" or "doi.org"


def citation_link(source: str) -> CitationLink | None:
    """The reader's link for a source record or trial id; None for ids with no public page.

    ``PMID:<digits>`` links to PubMed, ``NCT:…`` and a bare ``NCT<8 digits>`` to
    ClinicalTrials.gov, ``DOI:…`` to doi.org. The project's own ids (``TCMKG.DOC:…``) have none.
    """
    if _BARE_NCT.fullmatch(source):
        return CitationLink(f"https://clinicaltrials.gov/study/{source}", "ClinicalTrials.gov")
    try:
        prefix, local = split_curie(source)
    except CurieError:
        return None
    if prefix == "PMID" and local.isdigit():
        return CitationLink(f"https://pubmed.ncbi.nlm.nih.gov/{local}/", "PubMed")
    if prefix == "NCT" and local:
        return CitationLink(f"https://clinicaltrials.gov/study/{local}", "ClinicalTrials.gov")
    if prefix == "DOI" and local:
        return CitationLink(f"https://doi.org/{local}", "doi.org")
    return None


def citation_url(source: str) -> str | None:
    """The URL of :func:`citation_link`, or None."""
    link = citation_link(source)
    return link.url if link else None
