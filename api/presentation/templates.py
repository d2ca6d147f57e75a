"""The Jinja2 environment of ``api/templates`` and the helpers its templates call."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.presentation.charts import design_label
from api.presentation.citations import citation_link, citation_url


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


@cache
def environment() -> Environment:
    """The templates of ``api/templates`` (package data, so an installed copy finds them)."""
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["citation_url"] = citation_url
    env.filters["citation_link"] = citation_link
    env.filters["design_label"] = design_label
    env.globals["highlight"] = highlight
    return env
