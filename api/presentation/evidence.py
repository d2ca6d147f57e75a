"""The evidence cards of one candidate for the web page, from the macro the dossier uses."""

from __future__ import annotations

from api.presentation.templates import environment
from queries.explain import Explanation

TEMPLATE_NAME = "evidence_cards.html.j2"


def render_cards(explanation: Explanation, mark_names: tuple[str, ...]) -> str:
    """An HTML fragment: one card per evidence item, in the explanation's order.

    Each card is ``<article id="card-N" data-index="N">`` (N the item's position, as the
    evidence profile's markers) with a "Source record" button holding the source's id.
    """
    return (
        environment()
        .get_template(TEMPLATE_NAME)
        .render(
            evidence=explanation.evidence,
            mark_names=mark_names,
            label_of=lambda c: explanation.labels.get(c, c),
        )
    )
