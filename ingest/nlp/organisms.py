"""``tcm_organisms``: species named by their binomial that the vocabulary does not know.

The dictionary knows the species of the shipped herbs and maps them to their herbs
(:mod:`ingest.nlp.matcher`). Papers name many more plants, fungi and microbes ("Portulaca
oleracea", "Morinda citrifolia L.", "Helicobacter pylori"); this component marks those as
``Organism`` mentions, grounded like every recognised name (:mod:`ingest.nlp.grounding`):
the id of an organism of the vocabulary when one is named so, else a stable ungrounded id
keyed on the binomial. A later abbreviated use of the same species ("P. oleracea") names the
same organism.

A binomial is two words, ``Genus epithet``: a capitalised genus of three letters or more and a
lower-case epithet. Precision comes from what the two words look like, not from a list of every
species:

* a genus that the shipped vocabulary's species use (:func:`known_genera`: Portulaca, Panax,
  Morinda …) needs only a Latin-looking epithet;
* any other genus must look like a Latin genus (ending ``-a``, ``-us``, ``-um``, ``-ia``,
  ``-is``, ``-es``, ``-on``, ``-ix``, ``-ex``, ``-ops``, …) and must not be a word of medical
  Latin or English that has such an ending (:data:`NOT_GENERA`: Corpus, Status, Diabetes,
  Serum …) or a disease word (``-itis``, ``-osis``, ``-emia`` …);
* the epithet has four letters or more and must end as Latin epithets do (``-a``, ``-ae``,
  ``-i``, ``-us``, ``-um``, ``-is``, ``-ens``, ``-ans``, ``-ense``, ``-ale``, ``-ile``, ``-x``,
  ``-or``, ``-oides``), not as English plurals (``-es``, ``-ys``, ``-os``), and be no English
  function word, so "The patients", "These results", "Adhesion assays" and "In vitro" are no
  species;
* neither word is a word of pharmaceutical Latin (Radix, Herba, Fructus …): "Radix astragali"
  names a herb, and the dictionary reads herbs;
* a binomial that a dictionary mention overlaps is the dictionary's.

Plants that papers name by a **common English name** the herb vocabulary does not hold as a
drug — foods mostly (cranberry, pomegranate, soybean, tomato, coffee, tobacco) — are marked as
``Organism`` mentions too, from ``ingest/vocabulary/data/plant_common_names.tsv`` (name,
species, plural; written from knowledge, unchecked). Each is grounded as its species
binomial, so "cranberry" and "Vaccinium macrocarpon" name one organism. They are organisms,
not herbs: a food is no candidate of the rankings, and its claims stay apart from a herb's.
Only names with no everyday English sense are listed ("date", "fig", "orange", "lime", "rose",
"mint" are not).

The component runs right after ``tcm_dictionary``, so the trained recogniser does not read
"Portulaca oleracea extract" as a chemical, and the abbreviation component sees the organism
as a long form ("Portulaca oleracea (PO)").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import ahocorasick  # type: ignore[import-not-found]  # ships no type information
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from ingest.nlp.grounding import AddsMentions, grounded
from ingest.nlp.mentions import Mention
from kg.model import EntityKind
from kg.names import PART_WORDS, QUALIFIERS

# Genus, one space, an epithet of four letters or more that may hold one hyphen (nux-vomica).
_BINOMIAL = re.compile(r"\b([A-Z][a-z]{2,})[ \t]+([a-z]{4,}(?:-[a-z]{3,})?)\b(?![-'])")
_ABBREVIATED = re.compile(r"\b([A-Z])\.[ \t]?([a-z]{4,}(?:-[a-z]{3,})?)\b(?![-'])")
_GENUS_ENDINGS = (
    *("a", "us", "um", "ia", "is", "es", "on", "ix", "ex", "ax", "ops", "ys", "os"),
    *("yx", "as"),
)
# No "-es", "-ys" or "-os": English plurals ("studies", "assays", "ratios") end so, and
# Latin epithets rarely do ("-oides", "-odes" excepted).
_EPITHET_ENDINGS = (
    *("a", "ae", "i", "us", "um", "is", "ens", "ans", "ense", "ale", "ile", "ax", "ex"),
    *("ix", "ox", "or", "oides", "odes"),
)
_DISEASE_ENDINGS = ("itis", "osis", "iasis", "emia", "aemia", "algia", "oma", "uria", "pathy")
# Words with a Latin-looking ending that start no species in papers: medical Latin, chemistry,
# statistics, English.
NOT_GENERA = frozenset(
    {
        *("corpus", "status", "lupus", "diabetes", "herpes", "angina", "nucleus", "stratum"),
        *("substantia", "pars", "vena", "arteria", "musculus", "nervus", "ductus", "sinus"),
        *("situs", "tinea", "verruca", "ulcus", "pemphigus", "erythema", "purpura", "morbus"),
        *("serum", "plasma", "calcium", "sodium", "potassium", "magnesium", "selenium"),
        *("chromium", "lithium", "zinc", "medium", "maximum", "minimum", "data", "criteria"),
        *("media", "formula", "area", "versus", "virus", "bacteria", "focus", "bonus"),
        *("stimulus", "fetus", "uterus", "thesis", "basis", "analysis", "diagnosis", "axis"),
        *("crisis", "series", "species", "alpha", "beta", "gamma", "delta", "kappa", "omega"),
        *("sigma", "vitamin", "extra", "ultra", "via", "apis", "placenta", "retina", "cornea"),
        *("insulin", "interleukin", "this", "thus", "was", "has", "is", "as", "its", "us"),
        *("various", "previous", "numerous", "serious", "obvious", "continuous", "vs", "ova"),
        *("idea", "mania", "dementia", "anemia", "ischemia", "hypoxia", "anorexia", "asthenia"),
        *("insomnia", "pneumonia", "malaria", "leukemia", "hernia", "dyspepsia", "ataxia"),
        *("eczema", "edema", "oedema", "glaucoma", "trauma", "stroma", "schema", "dogma"),
        *("gas", "bias", "ras", "atlas", "canvas", "pancreas", "iris", "cortex", "index"),
        *("complex", "matrix", "apex", "reflex", "helix", "appendix", "cervix", "larynx"),
        *("pharynx", "torus", "bolus", "mucus", "sulcus", "hilus", "hiatus", "genus"),
        *("campus", "census", "consensus", "onus", "opus", "plus", "minus", "cactus", "phylum"),
        *("taxon", "taxa", "colon", "neuron", "electron", "proton", "photon", "hormone"),
        *("region", "lesion", "version", "session", "mission", "union", "nation", "action"),
        *("function", "solution", "infusion", "injection", "decoction", "section", "question"),
        *("reason", "season", "person", "comparison", "common", "lemon", "salmon", "cotton"),
        *("lumbus", "fundus", "lobus", "thalamus", "hippocampus", "globus", "tonsilla"),
        *("herba", "radix", "fructus", "semen", "flos", "folium", "rhizoma", "caulis"),
        *("abeta", "longissimus", "rectus", "gluteus", "biceps", "triceps", "vastus"),
        *("africa", "america", "asia", "india", "china", "korea", "jamaica", "arabica"),
        *("malaysia", "nigeria", "indonesia", "australia", "arabia", "russia", "robusta"),
    }
)
# Epithet-looking words that follow a capitalised word in English prose.
NOT_EPITHETS = frozenset(
    {
        *("data", "via", "area", "formula", "criteria", "media", "versus", "virus", "status"),
        *("plasma", "serum", "bacteria", "focus", "stimuli", "analysis", "basis", "diagnosis"),
        *("series", "species", "axis", "thesis", "crisis", "alpha", "beta", "gamma", "delta"),
        *("kappa", "omega", "sigma", "extra", "ultra", "previous", "various", "numerous"),
        *("serious", "obvious", "continuous", "vs", "plus", "minus", "receptor", "receptors"),
        *("factor", "factors", "inhibitor", "inhibitors", "activator", "donor", "tumor"),
        *("vector", "sector", "doctor", "major", "minor", "prior", "error", "color", "motor"),
        *("sensor", "precursor", "monitor", "behavior", "favor", "humor", "vigor", "rigor"),
        *("tremor", "rumor", "visitor", "cancer", "levels", "cells", "mice", "rats", "ratio"),
        *("radio", "stadium", "medium", "maximum", "minimum", "optimum", "spectrum", "sodium"),
        *("calcium", "potassium", "magnesium", "selenium", "premium", "forum", "vacuum"),
        *("complex", "index", "cortex", "matrix", "reflex", "apex", "annex", "ex", "tax"),
        *("box", "fox", "flux", "max", "relax", "fax", "wax", "sex", "six", "fix", "mix"),
        *("anemia", "ischemia", "hypoxia", "dementia", "insomnia", "pneumonia", "edema"),
        *("trauma", "mania", "idea", "tea", "sea", "pea", "era", "visa", "pizza", "soda"),
        *("vitamin", "mellitus", "insipidus", "gravis", "pectoris", "genus", "gum"),
        *("beans", "means", "burdens", "lens", "spectra", "fungi", "pharmacopoeia"),
    }
)
_LATIN_PART_WORDS = PART_WORDS | QUALIFIERS


@cache
def known_genera() -> frozenset[str]:
    """The genera of the shipped vocabulary's species names (Latin labels ``Genus epithet``)."""
    from ingest.vocabulary import load_seed

    genera: set[str] = set()
    for entity in load_seed().entities.values():
        for label in entity.labels:
            found = _BINOMIAL.match(label.text)
            if (
                label.lang == "la"
                and found
                and found.group(1).lower() not in _LATIN_PART_WORDS
                and found.group(2) not in _LATIN_PART_WORDS
            ):
                genera.add(found.group(1))
    return frozenset(genera)


COMMON_NAMES = (
    Path(__file__).resolve().parent.parent / "vocabulary" / "data" / "plant_common_names.tsv"
)


@cache
def common_plant_names() -> tuple[dict[str, str], ahocorasick.Automaton | None]:
    """Lower-cased common names and plurals of plants → their species binomial, and an
    automaton that finds any of them in lower-cased text (word boundaries are checked by
    :func:`common_names_in`; a regular expression of a hundred names costs more than the
    rest of the component)."""
    species: dict[str, str] = {}
    with COMMON_NAMES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            for name in (row["name"], row.get("plural") or ""):
                if name.strip():
                    species[name.strip().lower()] = row["species"].strip()
    if not species:
        return species, None
    automaton = ahocorasick.Automaton()
    for name in species:
        for spelling in {name, name.replace(" ", "-")}:
            automaton.add_word(spelling, (len(spelling), name))
    automaton.make_automaton()
    return species, automaton


def common_names_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of the common plant names in ``text``, longest first where they
    overlap, each between word boundaries (not inside "grapefruit" for "grape")."""
    _, automaton = common_plant_names()
    if automaton is None:
        return []
    low = text.lower()
    found: list[tuple[int, int, str]] = []
    for last, (length, name) in automaton.iter(low):
        start, end = last - length + 1, last + 1
        if (start and (low[start - 1].isalnum() or low[start - 1] == "-")) or (
            end < len(low) and (low[end].isalnum() or low[end] == "-")
        ):
            continue
        found.append((start, end, name))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[tuple[int, int, str]] = []
    for start, end, name in found:
        if not out or start >= out[-1][1]:
            out.append((start, end, name))
    return out


_PART = "|".join(sorted((w.capitalize() for w in PART_WORDS if len(w) > 3), key=len, reverse=True))
# A pharmaceutical Latin name the vocabulary lacks: part word first ("Cortex Quercus", "Rhizoma
# Tormentillae", "Fructus Ligustri lucidi") or last ("Liqustri lucidi Fructus").
_PHARMACEUTICAL = re.compile(
    rf"\b(?:(?P<part1>{_PART})[ \t]+(?P<a1>[A-Z][a-z]{{3,}})(?:[ \t]+(?P<b1>[a-z]{{4,}}))?"
    rf"|(?P<a2>[A-Z][a-z]{{3,}})(?:[ \t]+(?P<b2>[a-z]{{4,}}))?[ \t]+(?P<part2>{_PART}))\b"
)
_GENITIVE = ("ae", "i", "is", "us", "um", "a", "orum", "arum", "ensis", "ii", "ei")


def _genitive(word: str) -> bool:
    low = word.lower()
    return (
        low.endswith(_GENITIVE)
        and low not in NOT_GENERA
        and low not in NOT_EPITHETS
        and _plain_latin(low)
    )


def _pharmaceutical_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The span of a drug's Latin name in ``match``: the part word and the Latin genitive
    words beside it ("Cortex Quercus" of "Cortex Quercus showed"), or None."""
    if match.group("part1"):
        if not _genitive(match.group("a1")):
            return None
        b = match.group("b1")
        end = match.end("b1") if b and _genitive(b) else match.end("a1")
        return match.start(), end
    if not _genitive(match.group("a2")):
        return None
    b = match.group("b2")
    if b and not _genitive(b):
        return None  # "Quercus showed Cortex": no name
    return match.start(), match.end()


# After a species: an authority ("L.", "(Miq.) Seem.", "Linn.") at most, then a part or a
# preparation of a plant.
_REMEDY_WORDS = (
    r"(?:extracts?|oils?|powders?|decoctions?|infusions?|leaf|leaves|roots?|rhizomes?|seeds?|"
    r"fruits?|barks?|flowers?|aerial\s+parts?|stems?|peels?|tubers?|bulbs?|fractions?|"
    r"sclerotia|sclerotium|fruiting\s+bod(?:y|ies)|mycelia|mycelium|polysaccharides?|"
    r"saponins?|flavonoids?|juice|tinctures?)"
)
_REMEDY_AFTER = re.compile(
    r"(?:\s*\([^()]{1,30}\))?(?:\s+(?:[A-Z][a-z]{0,12}\.|L\.|Linn\.?|&|et|ex)){0,4}\s*[-\s]?"
    + _REMEDY_WORDS
    + r"\b",
    re.IGNORECASE,
)
# Before a species: "the sclerotium of", "the ethanol fraction of", "extracts from the".
_REMEDY_BEFORE = re.compile(
    r"\b" + _REMEDY_WORDS + r"\s+(?:of|from)\s+(?:the\s+)?(?:[\w-]+\s+)?$", re.IGNORECASE
)


def _as_written(text: str) -> bool:
    # "cranberry", "Cranberry", "CRANBERRY"; not "CranBerry" or "cRanberry".
    return text.islower() or text.isupper() or (text[:1].isupper() and text[1:].islower())


def _plain_latin(low: str) -> bool:
    """Whether the lower-cased word is none of what a Latin-looking word in papers often is
    instead: an English function word, a word of pharmaceutical Latin, a disease."""
    return (
        low not in STOP_WORDS
        and low not in _LATIN_PART_WORDS
        and not low.endswith(_DISEASE_ENDINGS)
    )


def _latin_epithet(epithet: str) -> bool:
    return (
        epithet.endswith(_EPITHET_ENDINGS)
        and not epithet.endswith("ous")  # English adjectives: aqueous, various
        and epithet not in NOT_EPITHETS
        and _plain_latin(epithet)
    )


def is_binomial(genus: str, epithet: str, genera: frozenset[str] | None = None) -> bool:
    """Whether ``genus epithet`` reads as a species name (see the module docs for the rules)."""
    if not _latin_epithet(epithet):
        return False
    if genus in (known_genera() if genera is None else genera):
        return True
    low = genus.lower()
    return (
        len(genus) >= 4
        and low.endswith(_GENUS_ENDINGS)
        and low not in NOT_GENERA
        and _plain_latin(low)
        and not low.endswith(("tion", "sion", "ates"))  # Absorption, Intervention, States
    )


class OrganismComponent(AddsMentions):
    """Marks species binomials that no dictionary mention covers as Organism mentions."""

    def find(
        self,
        text: str,
        taken: list[tuple[int, int]],
        sentence: Callable[[int], int],
        replaceable: Sequence[tuple[int, int]] = (),
    ) -> list[Mention]:
        """Species, pharmaceutical Latin names and common plant names (module docs)."""
        genera = known_genera()
        added: list[Mention] = []
        # epithet -> (genus initial, the organism mention), for "P. oleracea" after the name
        named: dict[tuple[str, str], Mention] = {}

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        for match in _BINOMIAL.finditer(text):
            genus, epithet = match.group(1), match.group(2)
            start, end = match.start(), match.end()
            if not free(start, end) or not is_binomial(genus, epithet, genera):
                continue
            binomial = f"{genus} {epithet}"
            mention = Mention(
                start, end, text[start:end], EntityKind.ORGANISM, sentence=sentence(start)
            )
            mention = grounded(mention, self.grounder.ground(binomial, EntityKind.ORGANISM))
            taken.append((start, end))
            added.append(mention)
            named.setdefault((genus[0], epithet), mention)
        if named:
            for match in _ABBREVIATED.finditer(text):
                first = named.get((match.group(1), match.group(2)))
                start, end = match.start(), match.end()
                if first is None or start < first.end or not free(start, end):
                    continue
                taken.append((start, end))
                added.append(
                    replace(
                        first, start=start, end=end, text=text[start:end], sentence=sentence(start)
                    )
                )
        added = self._as_herbs(text, added)
        for match in _PHARMACEUTICAL.finditer(text):
            span = _pharmaceutical_span(match)
            if span is None or not free(*span):
                continue
            start, end = span
            mention = Mention(
                start, end, text[start:end], EntityKind.HERB, sentence=sentence(start)
            )
            taken.append((start, end))
            added.append(grounded(mention, self.grounder.ground(mention.text, EntityKind.HERB)))
        species, _ = common_plant_names()
        for start, end, name in common_names_in(text):
            written = text[start:end]
            if not free(start, end) or not _as_written(written.replace(" ", "").replace("-", "")):
                continue
            binomial = species[name]
            mention = Mention(start, end, written, EntityKind.ORGANISM, sentence=sentence(start))
            taken.append((start, end))
            added.append(grounded(mention, self.grounder.ground(binomial, EntityKind.ORGANISM)))
        return added

    def _as_herbs(self, text: str, organisms: list[Mention]) -> list[Mention]:
        """The species of ``organisms`` that the text uses as a remedy become Herb mentions.

        A species named with a part or a preparation right after it ("Tamarindus indica seed
        extract", "Aralia elata (Miq.) Seem. root bark", "Withania somnifera root powder") is
        a herbal drug of that plant, which the vocabulary does not list: every mention of the
        species in the text then names that herb, with a stable ungrounded Herb id keyed on
        the binomial. Microbes and model organisms are never named so.
        """
        remedies = {
            m.ids
            for m in organisms
            if _REMEDY_AFTER.match(text, m.end)
            or _REMEDY_BEFORE.search(text[max(0, m.start - 60) : m.start])
        }
        if not remedies:
            return organisms
        herbs: dict[tuple[str, ...], tuple[str, ...]] = {}
        out: list[Mention] = []
        for m in organisms:
            if m.ids not in remedies:
                out.append(m)
                continue
            if m.ids not in herbs:
                # the species written out (an abbreviated use follows its first full mention)
                full = next(
                    (o.text for o in organisms if o.ids == m.ids and "." not in o.text), m.text
                )
                grounding = self.grounder.ground(full, EntityKind.HERB)
                # A species the vocabulary ties to herbs was read by the dictionary, by the part
                # the sentence names; a part it left out ("Andrographis paniculata roots") is
                # no herb of the vocabulary, and no new one either.
                herbs[m.ids] = grounding.ids if grounding.how == "ungrounded" else ()
            if not herbs[m.ids]:
                out.append(m)
                continue
            out.append(replace(m, kind=EntityKind.HERB, ids=herbs[m.ids], candidates=()))
        return out


@Language.factory("tcm_organisms", default_config={"enabled": True})
def make_organisms(nlp: Language, name: str, enabled: bool) -> OrganismComponent:
    """The species recogniser; ``enabled = false`` leaves species to the dictionary alone."""
    return OrganismComponent(nlp, name, enabled)
