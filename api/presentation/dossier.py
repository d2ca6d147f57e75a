"""The evidence dossier as one self-contained HTML document (inline CSS and SVG, no script).

:func:`queries.dossier.prepare_dossier` gathers what a dossier shows; this module lays it out
with the template ``api/templates/dossier.html.j2`` (loaded as package data, so an installed
copy finds it too), the charts of :mod:`api.presentation.charts` and the citation links of
:mod:`api.presentation.citations`. ``GET /dossier`` and ``tcmkg dossier`` both call
:func:`render_dossier`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from functools import cache
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.presentation.charts import (
    design_label,
    evidence_profile_svg,
    mechanism_svg,
    profile_groups,
)
from api.presentation.citations import citation_url
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.dossier import Dossier, prepare_dossier

TEMPLATE_NAME = "dossier.html.j2"


def highlight(text: str, names: Iterable[str]) -> Markup:
    """``text`` HTML-escaped, with every occurrence of any of ``names`` wrapped in ``<mark>``."""
    wanted = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
    if not wanted:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(n) for n in wanted), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))


def config_rows(config: ScoringConfig) -> list[tuple[str, str]]:
    """Every scoring constant as (name, value) rows, tables flattened to ``name.key``."""
    rows: list[tuple[str, str]] = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, Mapping):
            rows.extend((f"{f.name}.{k}", f"{v:g}") for k, v in sorted(value.items()))
        elif f.name == "reference_year" and value is None:
            rows.append((f.name, f"{config.now_year()} (the current year)"))
        else:
            rows.append((f.name, f"{value:g}" if isinstance(value, float) else str(value)))
    return rows


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["citation_url"] = citation_url
    env.filters["design_label"] = design_label
    return env


def render_dossier(dossier: Dossier) -> str:
    """The dossier as one self-contained HTML document (inline CSS and SVG, no script)."""
    ex = dossier.explanation
    row = ex.row
    template = _environment().get_template(TEMPLATE_NAME)
    return template.render(
        ex=ex,
        row=row,
        names=dossier.names,
        version=dossier.version,
        groups=profile_groups(ex.evidence),
        profile_svg=Markup(evidence_profile_svg(ex.evidence)),
        mechanism_svg=Markup(mechanism_svg(dossier.picture)),
        picture=dossier.picture,
        config_rows=config_rows(dossier.config),
        config=dossier.config,
        indication_labels=dossier.indication_labels,
        label_of=lambda c: ex.labels.get(c, c),
        mark_names=dossier.mark_names,
        highlight=highlight,
    )


def build_dossier(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
) -> str:
    """The dossier of ``candidate`` for ``indication`` as one self-contained HTML document."""
    return render_dossier(prepare_dossier(store, candidate, indication, config))
