"""Presentation: how evidence is shown to a reader, in one place for the web page and the dossier.

The charts (evidence profile, mechanism graph), the evidence cards with their citation links and
highlighted names, and the study design labels are made here, in Python, and only here:

* the dossier (``GET /dossier`` and ``tcmkg dossier``, :mod:`api.presentation.dossier`) embeds
  them in one self-contained HTML file;
* the web page fetches the same SVG and cards from ``GET /candidates/{id}/figures`` and the
  labels from ``GET /study-designs``; its script (``api/static/charts.js``) only places them in
  the page and wires clicks (a marker picks out its card, a card's button opens its source).

Why the server's drawing serves both, not the browser's: the dossier must open offline, print,
and pass a committee's mail filter as a plain document, so it carries no script at all (it is
served with ``default-src 'none'``); a chart drawn by JavaScript could not appear in it. The
page, which does run script, can take server-drawn SVG as well as it takes JSON.

``queries`` gathers the data (:mod:`queries.dossier`); nothing there writes HTML or SVG or
knows where a template lives.
"""

from __future__ import annotations

from api.presentation.charts import (
    DESIGN_LABEL,
    DESIGN_ORDER,
    design_label,
    evidence_profile_svg,
    mechanism_svg,
)
from api.presentation.citations import CitationLink, citation_link, citation_url
from api.presentation.dossier import build_dossier, render_dossier
from api.presentation.evidence import render_cards

__all__ = [
    "DESIGN_LABEL",
    "DESIGN_ORDER",
    "CitationLink",
    "build_dossier",
    "citation_link",
    "citation_url",
    "design_label",
    "evidence_profile_svg",
    "mechanism_svg",
    "render_cards",
    "render_dossier",
]
