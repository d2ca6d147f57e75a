"""The evidence dossier as one self-contained HTML document (inline CSS and SVG, no script).

:func:`queries.dossier.prepare_dossier` gathers what a dossier shows; this module lays it out
with the template ``api/templates/dossier.html.j2``, whose evidence cards come from the macro
the web page's cards come from (``evidence.html.j2``), and the charts of
:mod:`api.presentation.charts`. ``GET /dossier`` and ``tcmkg dossier`` both call
:func:`render_dossier`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from markupsafe import Markup

from api.presentation.charts import evidence_profile_svg, indexed_groups, mechanism_svg
from api.presentation.templates import environment
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.dossier import Dossier, prepare_dossier

TEMPLATE_NAME = "dossier.html.j2"


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


def render_dossier(dossier: Dossier) -> str:
    """The dossier as one self-contained HTML document (inline CSS and SVG, no script)."""
    ex = dossier.explanation
    row = ex.row
    template = environment().get_template(TEMPLATE_NAME)
    return template.render(
        ex=ex,
        row=row,
        names=dossier.names,
        version=dossier.version,
        groups=indexed_groups(ex.evidence),
        profile_svg=Markup(evidence_profile_svg(ex.evidence)),
        mechanism_svg=Markup(mechanism_svg(dossier.picture)),
        picture=dossier.picture,
        config_rows=config_rows(dossier.config),
        config=dossier.config,
        indication_labels=dossier.indication_labels,
        label_of=lambda c: ex.labels.get(c, c),
        mark_names=dossier.mark_names,
    )


def build_dossier(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
) -> str:
    """The dossier of ``candidate`` for ``indication`` as one self-contained HTML document."""
    return render_dossier(prepare_dossier(store, candidate, indication, config))
