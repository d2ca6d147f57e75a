"""Every IRI and CURIE of the graph is minted here, and nowhere else.

Standard identifiers (PMID, NCT, MESH, CHEBI, PUBCHEM.COMPOUND, NCBIGene, UniProtKB, KEGG,
Reactome, MONDO, DOID) expand with the Biolink Model prefix map, so that the graph joins other
RDF on the same IRIs. Herbs, formulas and hospital preparations get the project's own stable
IRIs keyed on the pharmacopoeia Latin name (herbs) or normalised pinyin (formulas,
preparations). Claims and evidence items get deterministic IRIs from a hash of their parts, so
re-ingesting the same record mints the same IRIs and changes nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

BASE = "https://w3id.org/tcmkg/"
ONTOLOGY = BASE + "ontology#"
ID = BASE + "id/"

BIOLINK = "https://w3id.org/biolink/vocab/"
ECO = "http://purl.obolibrary.org/obo/ECO_"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"

# CURIE prefix -> IRI prefix. Standard prefixes follow the Biolink Model prefix map; the
# project's own prefixes (TCMKG.*) live under the project namespace.
PREFIXES: dict[str, str] = {
    "PMID": "http://www.ncbi.nlm.nih.gov/pubmed/",
    "NCT": "https://clinicaltrials.gov/study/",
    "DOI": "https://doi.org/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "PUBCHEM.COMPOUND": "http://pubchem.ncbi.nlm.nih.gov/compound/",
    "NCBIGene": "http://identifiers.org/ncbigene/",
    "HGNC": "http://identifiers.org/hgnc/",
    "UniProtKB": "http://purl.uniprot.org/uniprot/",
    "KEGG.PATHWAY": "https://www.kegg.jp/entry/",
    "REACT": "https://reactome.org/content/detail/",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
    "UMLS": "http://identifiers.org/umls/",
    "ECO": ECO,
    "biolink": BIOLINK,
    "TCMKG.HERB": ID + "herb/",
    "TCMKG.FORMULA": ID + "formula/",
    "TCMKG.PREP": ID + "preparation/",
    "TCMKG.COMPOUND": ID + "compound/",  # compounds with no PubChem/ChEBI id (e.g. TCMSP MOL id)
    "TCMKG.TARGET": ID + "target/",  # targets known only by symbol
    "TCMKG.DISEASE": ID + "disease/",  # indications with no MeSH id (e.g. TCM syndromes)
    "TCMKG.OUTCOME": ID + "outcome/",
    "TCMKG.ORGANISM": ID + "organism/",  # species known by their binomial only
    # Entities extraction found in a text that no vocabulary knows, keyed on kind and name
    # (ungrounded_curie): stable, so they still count and can be merged later.
    "TCMKG.UNGROUNDED": ID + "ungrounded/",
    "TCMKG.SYNDROME": ID + "syndrome/",  # TCM syndromes (证候/证型), SKOS concepts
    "TCMKG.SYMPTOM": ID + "tcm-symptom/",  # TCM symptoms (症状) as TCM describes them
    "TCMKG.ACTION": ID + "action/",  # action categories of herbs (功效分类)
    "TCMKG.DOC": ID + "doc/",  # user documents and the bundled illustrative corpus
    "TCMKG.TABLE": ID + "table/",
    "TCMKG.CLAIM": ID + "claim/",
    "TCMKG.EVIDENCE": ID + "evidence/",
    "TCMKG.GRAPH": ID + "graph/",
    "TCMKG.RUN": ID + "run/",
    "TCMSP.MOL": "https://old.tcmsp-e.com/molecule.php?qn=",
    "SYMMAP.HERB": "http://www.symmap.org/detail/SMHB",
}

_CURIE_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*):(\S+)$")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


class CurieError(ValueError):
    """A CURIE with an unknown prefix or no local part."""


def split_curie(curie: str) -> tuple[str, str]:
    """Split ``PREFIX:local`` into its two parts, checking the prefix is known."""
    match = _CURIE_RE.match(curie)
    if not match:
        raise CurieError(f"not a CURIE: {curie!r}")
    prefix, local = match.group(1), match.group(2)
    if prefix not in PREFIXES:
        raise CurieError(f"unknown CURIE prefix {prefix!r} in {curie!r}")
    return prefix, local


def expand(curie: str) -> str:
    """Expand a CURIE to its IRI (``MESH:D003920`` -> ``http://id.nlm.nih.gov/mesh/D003920``)."""
    prefix, local = split_curie(curie)
    return PREFIXES[prefix] + local


# Longest IRI prefix first, so that nested namespaces (…/id/herb/ inside …/id/) contract right.
_BY_IRI = sorted(((iri, p) for p, iri in PREFIXES.items()), key=lambda t: -len(t[0]))


def contract(iri: str) -> str:
    """Contract an IRI to a CURIE when a known prefix covers it; else return the IRI itself."""
    for base, prefix in _BY_IRI:
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def slug(text: str) -> str:
    """Normalise a name to an IRI-safe key: ASCII lower case, tone marks dropped, ``-`` joined.

    ``Astragali Radix`` -> ``astragali-radix``;
    ``Liù Wèi Dì Huáng Wán`` -> ``liu-wei-di-huang-wan``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    key = _SLUG_STRIP.sub("-", ascii_only).strip("-")
    if not key:
        # Names in characters only still need a stable key: hash them rather than drop them.
        key = "u" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return key


def herb_curie(latin_name: str) -> str:
    """Herb CURIE keyed on the pharmacopoeia Latin name in modern order (``Astragali Radix``)."""
    return f"TCMKG.HERB:{slug(latin_name)}"


def formula_curie(pinyin: str) -> str:
    """Formula CURIE keyed on normalised pinyin (``Liu Wei Di Huang Wan`` -> ``liu-wei-…``)."""
    return f"TCMKG.FORMULA:{slug(pinyin)}"


def syndrome_curie(pinyin: str) -> str:
    """Syndrome CURIE keyed on the normalised pinyin of its name in characters, without the
    trailing 证 (``qi yin liang xu`` -> ``TCMKG.SYNDROME:qi-yin-liang-xu``)."""
    return f"TCMKG.SYNDROME:{slug(pinyin)}"


def tcm_symptom_curie(pinyin: str) -> str:
    """TCM symptom CURIE keyed on the normalised pinyin of its name (``kou ke`` -> ``kou-ke``)."""
    return f"TCMKG.SYMPTOM:{slug(pinyin)}"


def action_curie(pinyin: str) -> str:
    """Action category CURIE keyed on normalised pinyin (``huo xue hua yu`` -> ``huo-xue-…``)."""
    return f"TCMKG.ACTION:{slug(pinyin)}"


def herb_pinyin_curie(pinyin: str) -> str:
    """CURIE of a herb that a source names without any Latin name, keyed on its pinyin.

    The ``pinyin-`` key prefix keeps these apart from Latin-keyed herbs, so a later Latin name
    for the same herb never collides with a different herb's key.
    """
    return f"TCMKG.HERB:pinyin-{slug(pinyin)}"


def _latin_key(text: str) -> tuple[str, bool]:
    """(the slug of ``text``'s Latin letters and digits, whether it has no other letters).

    Tone marks and punctuation of any script (``Xi’an``) do not make a name non-Latin; a
    character does. Unlike :func:`slug`, a name with no Latin letter gives an empty key.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    key = _SLUG_STRIP.sub("-", kept.lower()).strip("-")
    return key, all(c.isascii() for c in kept if c.isalnum())


def preparation_curie(hospital: str, name: str, hospital_romanised: str | None = None) -> str:
    """Hospital preparation CURIE: the same name at two hospitals is two preparations.

    The hospital's part of the key is its name when that is written in Latin letters
    (``Illustrative Hospital`` -> ``illustrative-hospital``). A name in characters has no
    readable key of its own: the catalogue's romanisation of it (``hospital_romanised``, its
    pinyin or English name) gives one, followed by 8 hex digits of a digest of the name as
    written, because a romanisation loses what tells two hospitals apart (中医医院 and 中一医院
    are both "zhongyi yiyuan") and two hospitals must never merge. A name mixing characters
    with Latin letters and no romanisation keys on its Latin letters and the digest. A name in
    characters only, with no romanisation in Latin letters, keys on the digest alone (``u`` and
    16 hex digits, as :func:`slug` gives).

    ``示例中医医院``, ``Qi Dan Jiang Tang Keli``, ``Shili Zhongyi Yiyuan`` ->
    ``TCMKG.PREP:shili-zhongyi-yiyuan-<8 hex digits>--qi-dan-jiang-tang-keli``.
    """
    key, latin = _latin_key(hospital)
    if latin and key:
        return f"TCMKG.PREP:{key}--{slug(name)}"
    romanised, romanised_latin = _latin_key(hospital_romanised or "")
    readable = romanised if romanised and romanised_latin else key
    if not readable:
        return f"TCMKG.PREP:{slug(hospital)}--{slug(name)}"
    digest = hashlib.sha1(hospital.encode("utf-8")).hexdigest()[:8]
    return f"TCMKG.PREP:{readable}-{digest}--{slug(name)}"


def own_curie(prefix: str, name: str) -> str:
    """A project CURIE under ``prefix`` (one of the TCMKG.* prefixes) for a name."""
    if not prefix.startswith("TCMKG.") or prefix not in PREFIXES:
        raise CurieError(f"not a project prefix: {prefix!r}")
    return f"{prefix}:{slug(name)}"


# Greek letters open many compound and gene names (α-tocopherol, β-sitosterol, TGF-β1); spelt
# out in an ungrounded key, so that α- and β-amyrin do not both read "amyrin".
_GREEK = str.maketrans(
    {
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "κ": "kappa",
        "λ": "lambda",
        "μ": "mu",
        "ω": "omega",
    }
)
UNGROUNDED_PREFIX = "TCMKG.UNGROUNDED"


def ungrounded_curie(kind: str, key: str) -> str:
    """CURIE of an entity no vocabulary knows, keyed on its kind and its normalised name.

    ``key`` is the name's lookup key (:func:`kg.names.normalise_name`), so every spelling of
    one name that normalises alike gives one CURIE, in any document: ``("Compound",
    "ginsenosiderh2")`` → ``TCMKG.UNGROUNDED:compound-ginsenosiderh2``. A key that is not
    plain lower-case ASCII letters and digits (Greek letters are spelt out first) also gets 8
    hex digits of its digest, so two keys that read alike in ASCII never share a CURIE.
    """
    if not key:
        raise CurieError("an ungrounded entity needs a non-empty name key")
    spelt = key.translate(_GREEK)
    readable = slug(spelt)
    if readable != spelt:
        readable = f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
    return f"{UNGROUNDED_PREFIX}:{slug(kind)}-{readable}"


def is_ungrounded(curie: str) -> bool:
    """True for a CURIE minted by :func:`ungrounded_curie`."""
    return curie.startswith(UNGROUNDED_PREFIX + ":")


def _digest(parts: Iterable[object]) -> str:
    # The unit separator cannot occur in CURIEs or numbers, so distinct part lists never collide
    # by concatenation.
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


def claim_curie(subject: str, predicate: str, obj: str) -> str:
    """Deterministic claim CURIE: one association node per (subject, predicate, object).

    Evidence from every record attaches to the same node, so a claim's evidence is one hop
    away whichever record it came from.
    """
    return f"TCMKG.CLAIM:{_digest((subject, predicate, obj))}"


def evidence_curie(claim: str, source: str, *parts: object) -> str:
    """Deterministic evidence CURIE from its claim, its source record and distinguishing parts."""
    return f"TCMKG.EVIDENCE:{_digest((claim, source, *parts))}"


def graph_iri(record_id: str) -> str:
    """The named graph of one source record (``PMID:123`` -> ``…/id/graph/PMID/123``)."""
    prefix, local = split_curie(record_id)
    return f"{ID}graph/{prefix}/{local}"


def record_id_of_graph(graph: str) -> str | None:
    """Inverse of :func:`graph_iri`: the record CURIE of a named graph, or None if not ours."""
    head = f"{ID}graph/"
    if not graph.startswith(head):
        return None
    prefix, _, local = graph[len(head) :].partition("/")
    return f"{prefix}:{local}" if local else None


VOCABULARY_GRAPH = ID + "graph/vocabulary"  # entity names and cross-references (seed + imports)
ONTOLOGY_GRAPH = ID + "graph/ontology"


def vocabulary_graph(source: str) -> str:
    """Named graph holding the entity labels contributed by one vocabulary source."""
    return f"{VOCABULARY_GRAPH}/{slug(source)}"


def term(name: str) -> str:
    """IRI of a project ontology term (``Herb`` -> ``https://w3id.org/tcmkg/ontology#Herb``)."""
    return ONTOLOGY + name


def biolink(name: str) -> str:
    """IRI of a Biolink Model class or slot."""
    return BIOLINK + name
