"""Effect direction: which way a sentence says an exposure moved a disease or outcome.

The words between the two mentions are read left to right and the **first** cue decides,
because the verb that follows the exposure is the one that governs its object: in "Z
attenuated cisplatin-induced nephrotoxicity" the pair (Z, nephrotoxicity) is decided by
"attenuated", while the pair (cisplatin, nephrotoxicity) is decided by "-induced". A cue glued
to a mention that lies between the two ("cisplatin-induced") belongs to that mention and is
skipped for the outer pair.

Cues and what they decide:

* harm — "induced", "caused", "developed", "toxicity", "adverse", "side effect", "worsened",
  "exacerbated", "increased risk of", "after/following" (a disease that came after an
  exposure): the exposure ``causes`` the disease, direction harm;
* null — "no significant difference", "did not differ", "similar", "comparable": ``treats``
  with direction null;
* benefit — "improved", "reduced", "decreased", "alleviated", "attenuated", "prevented",
  "protected", "effective", "relieved" …: ``treats``, benefit;
* exposure — "treated with", "received", "given", "therapy": a therapeutic context; read as
  ``treats`` (benefit, weak) only when the disease is named first ("patients with Y treated
  with X"); after the exposure it is not a result ("X-treated patients developed Y").
"""

from __future__ import annotations

import re
from enum import StrEnum

from ingest.nlp.cues import Entry
from kg.model import Direction


class CueKind(StrEnum):
    """What a cue says about an exposure–disease pair (in precedence order)."""

    NULL = "null"
    HARM = "harm"
    BENEFIT = "benefit"
    EXPOSURE = "exposure"


EFFECT_KINDS = frozenset(k.value for k in CueKind)

LEXICON: dict[str, Entry] = {
    CueKind.NULL: Entry(
        words=("similar", "comparable", "unchanged", "unaffected", "nonsignificant"),
        phrases=(
            "no significant",
            "no statistically significant",
            "not significant",
            "not significantly",
            "not statistically significant",
            "did not differ",
            "did not change",
            "did not affect",
            "did not alter",
            "not differ",
            "not change",
            "not affect",
            "not alter",
            "no difference",
            "no differences",
            "no change",
            "no changes",
            "no effect",
            "no effects",
            "had no",
            "showed no",
            "no benefit",
        ),
    ),
    CueKind.HARM: Entry(
        stems=(
            "induc",
            "caus",
            "provok",
            "precipitat",
            "develop",
            "toxicit",
            "hepatotoxic",
            "nephrotoxic",
            "cardiotoxic",
            "neurotoxic",
            "ototoxic",
            "worsen",
            "exacerbat",
            "aggravat",
            "overdos",
            "intoxicat",
            "elicit",
            "evok",
            "complicat",
            "poison",
        ),
        words=("toxic", "adverse", "after", "following", "triggered", "produced", "produces"),
        phrases=(
            "side effect",
            "side effects",
            "increased risk",
            "increased the risk",
            "risk of",
            "risk factor",
            "secondary to",
            "due to",
            "resulted in",
            "results in",
            "resulting in",
            "result in",
            "leads to",
            "lead to",
            "leading to",
            "led to",
            "associated with",
            "attributed to",
        ),
    ),
    CueKind.BENEFIT: Entry(
        stems=(
            "improv",
            "reduc",
            "decreas",
            "alleviat",
            "attenuat",
            "ameliorat",
            "reliev",
            "prevent",
            "protect",
            "effective",
            "efficac",
            "suppress",
            "inhibit",
            "lower",
            "restor",
            "benefi",
            "recover",
            "revers",
            "counteract",
            "mitigat",
            "normaliz",
            "normalis",
            "diminish",
            "resolv",
            "rescu",
            "abolish",
        ),
        # "antagonist" names a drug class, not an effect; only the verb forms are cues.
        words=(
            "relief",
            "cure",
            "cured",
            "remission",
            "against",
            "treats",
            "treat",  # "X has been used to treat Y"
            "treating",  # "X is effective in treating Y"
            "antagonized",
            "antagonizes",
            "antagonised",
            "antagonises",
        ),
    ),
    CueKind.EXPOSURE: Entry(
        stems=("receiv", "administ", "therap"),
        words=("given",),
        phrases=(
            "treated with",
            "treatment with",
            "treatment of",
            "in the management of",
            "for the treatment of",
            "in patients with",
            "managed with",
            "dosed with",
        ),
    ),
}
# A cue right after a mention and glued to it ("cisplatin-induced", "drug induced") belongs to
# that mention.
_GLUED = re.compile(r"^\s?-?\s?(?:induc|associat|relat|caus|mediat)", re.IGNORECASE)


def effect_kind(kinds: tuple[str, ...]) -> CueKind | None:
    """The effect cue kind among a cue's kinds (the first in precedence order), if any."""
    for kind in kinds:
        if kind in EFFECT_KINDS:
            return CueKind(kind)
    return None


def glued(text_after_mention: str) -> bool:
    """Whether text right after a mention starts with a cue that belongs to that mention."""
    return _GLUED.match(text_after_mention) is not None


def direction_of(kind: CueKind) -> Direction:
    """The effect direction a cue kind implies."""
    return {
        CueKind.HARM: Direction.HARM,
        CueKind.NULL: Direction.NULL,
        CueKind.BENEFIT: Direction.BENEFIT,
        CueKind.EXPOSURE: Direction.BENEFIT,
    }[kind]
