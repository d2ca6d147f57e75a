"""A small illustrative graph bundled with the project, for the demo and for tests.

ILLUSTRATIVE DATA, WRITTEN BY THE PROJECT. The documents below are made up: they report no real
study, carry no PMID, NCT number or DOI, and every source record is marked
``illustrative=True``. Their sentences only show what the graph holds for a real paper. The
entities, however, are real and use real identifiers (MeSH, PubChem, NCBI Gene) so that the
example joins other RDF; a test checks each identifier against the third-party tables in
``../shared/data`` where they cover it, and the ones they cannot cover are listed in
``UNCHECKED_IDS``. The composition of Liu Wei Di Huang Wan (六味地黄丸) is the classical one.

The data are chosen to exercise every entity kind, record kind, predicate, study design, effect
direction and evidence field at least once, so validating them tests the shapes end to end.
"""

from __future__ import annotations

from collections.abc import Sequence

from kg.iri import formula_curie, herb_curie, own_curie, preparation_curie
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Label,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)

VOCABULARY_SOURCE = "illustrative"
METHOD = "illustrative-example"
METHOD_VERSION = "1"
HOSPITAL = "Illustrative Hospital of Traditional Chinese Medicine (not a real hospital)"

# Identifiers the shared third-party tables cannot confirm (written from knowledge).
UNCHECKED_IDS: frozenset[str] = frozenset({"NCBIGene:7124", "KEGG.PATHWAY:hsa04151"})


def _zh(text: str, preferred: bool = True) -> Label:
    return Label(text, "zh", preferred)


def _py(text: str, preferred: bool = True) -> Label:
    return Label(text, "zh-Latn-pinyin", preferred)


def _la(text: str, preferred: bool = True) -> Label:
    return Label(text, "la", preferred)


def _en(text: str, preferred: bool = True) -> Label:
    return Label(text, "en", preferred)


def _herb(latin: str, reversed_latin: str, zh: str, pinyin: str, english: str) -> Entity:
    spaced = " ".join(pinyin.split("-"))
    return Entity(
        id=herb_curie(latin),
        kind=EntityKind.HERB,
        label=latin,
        labels=(
            _zh(zh),
            _py(pinyin.replace("-", "")),
            _py(spaced, preferred=False),
            _la(latin),
            _la(reversed_latin, preferred=False),
            _en(english),
        ),
    )


HUANGQI = _herb("Astragali Radix", "Radix Astragali", "黄芪", "Huang-qi", "Astragalus root")
SHUDIHUANG = _herb(
    "Rehmanniae Radix Praeparata",
    "Radix Rehmanniae Preparata",
    "熟地黄",
    "Shu-di-huang",
    "prepared Rehmannia root",
)
SHANZHUYU = _herb(
    "Corni Fructus", "Fructus Corni", "山茱萸", "Shan-zhu-yu", "Asiatic cornelian cherry"
)
SHANYAO = _herb(
    "Dioscoreae Rhizoma", "Rhizoma Dioscoreae", "山药", "Shan-yao", "common yam rhizome"
)
ZEXIE = _herb("Alismatis Rhizoma", "Rhizoma Alismatis", "泽泻", "Ze-xie", "Oriental waterplantain")
MUDANPI = _herb("Moutan Cortex", "Cortex Moutan", "牡丹皮", "Mu-dan-pi", "tree peony bark")
FULING = _herb("Poria", "Poria", "茯苓", "Fu-ling", "Indian bread")

LIUWEI = Entity(
    id=formula_curie("Liu Wei Di Huang Wan"),
    kind=EntityKind.FORMULA,
    label="Liu Wei Di Huang Wan",
    labels=(
        _zh("六味地黄丸"),
        _py("Liu Wei Di Huang Wan"),
        _py("liuweidihuangwan", preferred=False),
        _en("Six-Ingredient Rehmannia Pill"),
    ),
)

PREPARATION = Entity(
    id=preparation_curie(HOSPITAL, "Qi Yin Granules"),
    kind=EntityKind.HOSPITAL_PREPARATION,
    label="Qi Yin Granules (illustrative)",
    labels=(_zh("芪阴颗粒"), _py("Qi Yin Ke Li"), _en("Qi Yin Granules")),
    description="An illustrative hospital preparation invented for the demo.",
    hospital=HOSPITAL,
    approval_number="ILLUSTRATIVE-0001",
    dosage_form="granules",
)

QUERCETIN = Entity(
    id="PUBCHEM.COMPOUND:5280343",
    kind=EntityKind.COMPOUND,
    label="quercetin",
    labels=(_en("quercetin"), _zh("槲皮素")),
)
ASTRAGALOSIDE = Entity(
    id="PUBCHEM.COMPOUND:13943297",
    kind=EntityKind.COMPOUND,
    label="astragaloside IV",
    labels=(_en("astragaloside IV"), _zh("黄芪甲苷")),
)
AKT1 = Entity(id="NCBIGene:207", kind=EntityKind.TARGET, label="AKT1", labels=(_en("AKT1"),))
TNF = Entity(
    id="NCBIGene:7124",
    kind=EntityKind.TARGET,
    label="TNF",
    labels=(_en("TNF"), _en("tumor necrosis factor", preferred=False)),
)
PI3K_AKT = Entity(
    id="KEGG.PATHWAY:hsa04151",
    kind=EntityKind.PATHWAY,
    label="PI3K-Akt signaling pathway",
    labels=(_en("PI3K-Akt signaling pathway"),),
)
DIABETES = Entity(
    id="MESH:D003920",
    kind=EntityKind.DISEASE,
    label="Diabetes Mellitus",
    labels=(_en("Diabetes Mellitus"), _zh("糖尿病")),
)
T2DM = Entity(
    id="MESH:D003924",
    kind=EntityKind.DISEASE,
    label="Diabetes Mellitus, Type 2",
    labels=(_en("Diabetes Mellitus, Type 2"), _en("type 2 diabetes", False), _zh("2型糖尿病")),
    xrefs=("UMLS:C0011860",),
    broader=("MESH:D003920",),
)
HYPOGLYCEMIA = Entity(
    id="MESH:D007003",
    kind=EntityKind.DISEASE,
    label="Hypoglycemia",
    labels=(_en("Hypoglycemia"), _zh("低血糖")),
)
FASTING_GLUCOSE = Entity(
    id=own_curie("TCMKG.OUTCOME", "fasting blood glucose"),
    kind=EntityKind.OUTCOME,
    label="fasting blood glucose",
    labels=(_en("fasting blood glucose"), _zh("空腹血糖")),
)
WARFARIN = Entity(
    id="MESH:D014859",
    kind=EntityKind.DRUG,
    label="warfarin",
    labels=(_en("warfarin"), _zh("华法林")),
)
# The species of the illustrative animal study, as an organism (the graph's species kind).
RAT = Entity(
    id=own_curie("TCMKG.ORGANISM", "Rattus norvegicus"),
    kind=EntityKind.ORGANISM,
    label="Rattus norvegicus",
    labels=(Label("Rattus norvegicus", "la", True), _en("brown rat")),
)

ENTITIES: tuple[Entity, ...] = (
    HUANGQI,
    SHUDIHUANG,
    SHANZHUYU,
    SHANYAO,
    ZEXIE,
    MUDANPI,
    FULING,
    LIUWEI,
    PREPARATION,
    QUERCETIN,
    ASTRAGALOSIDE,
    AKT1,
    TNF,
    PI3K_AKT,
    DIABETES,
    T2DM,
    HYPOGLYCEMIA,
    FASTING_GLUCOSE,
    WARFARIN,
    RAT,
)

# Classical composition of Liu Wei Di Huang Wan, dose per herb.
LIUWEI_COMPOSITION: tuple[tuple[Entity, str], ...] = (
    (SHUDIHUANG, "24 g"),
    (SHANZHUYU, "12 g"),
    (SHANYAO, "12 g"),
    (ZEXIE, "9 g"),
    (MUDANPI, "9 g"),
    (FULING, "9 g"),
)

_NOTICE = "Illustrative example written by the tcmkg project; it reports no real study."

TRIAL = SourceRecord(
    id="TCMKG.DOC:illustrative-trial-001",
    kind=RecordKind.CLINICAL_TRIAL,
    title="Illustrative trial registration: Astragali Radix granules in type 2 diabetes",
    year=2024,
    revised="2024-06-30",
    illustrative=True,
)

CLINICAL_TEXT = (
    "Illustrative abstract: Astragali Radix in type 2 diabetes. "
    f"{_NOTICE} "
    "In this randomised controlled trial, Astragali Radix granules lowered fasting blood "
    "glucose in adults with type 2 diabetes of qi and yin deficiency syndrome compared with "
    "placebo. "
    "A pooled meta-analysis of such trials also favoured Astragali Radix for glycaemic control. "
    "In a cohort of outpatients, Astragali Radix use was not associated with fewer diabetic "
    "complications. "
    "One case of hypoglycaemia was reported in a patient taking Astragali Radix with insulin. "
    "Astragali Radix may potentiate warfarin, and one case of raised INR was reported."
)

CLINICAL = SourceRecord(
    id="TCMKG.DOC:illustrative-clinical-001",
    kind=RecordKind.DOCUMENT,
    title="Illustrative abstract: Astragali Radix in type 2 diabetes",
    year=2024,
    journal="Illustrative Journal of Integrative Medicine (not a real journal)",
    publication_types=("Randomized Controlled Trial",),
    mesh_terms=("MESH:D003924",),
    trial_ids=(TRIAL.id,),
    illustrative=True,
)

FORMULA_TEXT = (
    "Illustrative review: Liu Wei Di Huang Wan in diabetes. "
    f"{_NOTICE} "
    "Classical texts list six herbs in Liu Wei Di Huang Wan. "
    "A non-randomised controlled trial reported improved symptoms with Liu Wei Di Huang Wan in "
    "type 2 diabetes. "
    "A systematic review found no clear effect of Liu Wei Di Huang Wan on fasting blood glucose. "
    "A case-control study examined Liu Wei Di Huang Wan use and type 2 diabetes. "
    "TNF has been associated with insulin resistance in type 2 diabetes."
)

FORMULA_REVIEW = SourceRecord(
    id="TCMKG.DOC:illustrative-review-001",
    kind=RecordKind.PUBLICATION,
    title="Illustrative review: Liu Wei Di Huang Wan in diabetes",
    year=2022,
    journal="Illustrative Reviews in Chinese Medicine (not a real journal)",
    publication_types=("Review",),
    mesh_terms=("MESH:D003924", "MESH:D003920"),
    illustrative=True,
)

LAB_TEXT = (
    "Illustrative abstract: compounds of Astragali Radix and their targets. "
    f"{_NOTICE} "
    "In diabetic rats, astragaloside IV increased AKT1 activity. "
    "In cultured cells, quercetin inhibited AKT1. "
    "Docking suggested that quercetin binds TNF."
)

LAB = SourceRecord(
    id="TCMKG.DOC:illustrative-lab-001",
    kind=RecordKind.DOCUMENT,
    title="Illustrative abstract: compounds of Astragali Radix and their targets",
    year=2023,
    illustrative=True,
)

TABLE = SourceRecord(
    id="TCMKG.TABLE:illustrative/herb-compound-target",
    kind=RecordKind.TABLE,
    title="Illustrative herb–compound–target table",
    illustrative=True,
)

CATALOGUE = SourceRecord(
    id="TCMKG.DOC:illustrative-catalogue-001",
    kind=RecordKind.CATALOGUE,
    title="Illustrative catalogue of hospital preparations",
    year=2024,
    illustrative=True,
)


def _at(text: str, sentence: str) -> tuple[int, int]:
    start = text.index(sentence)
    return start, start + len(sentence)


def _sentence(text: str, begins: str) -> str:
    """The sentence of ``text`` that begins with ``begins`` (up to and including its full stop)."""
    start = text.index(begins)
    return text[start : text.index(".", start) + 1]


def _evidence(
    record: SourceRecord,
    text: str | None,
    begins: str | None,
    design: StudyDesign,
    direction: Direction,
    **extra: object,
) -> EvidenceItem:
    sentence = _sentence(text, begins) if text and begins else None
    start, end = _at(text, sentence) if text and sentence else (None, None)
    fields: dict[str, object] = {
        "source": record.id,
        "design": design,
        "direction": direction,
        "sentence": sentence,
        "start": start,
        "end": end,
        "year": record.year,
        "method": METHOD,
        "method_version": METHOD_VERSION,
        "knowledge_level": KnowledgeLevel.KNOWLEDGE_ASSERTION,
        "agent_type": AgentType.MANUAL_AGENT,
    }
    fields.update(extra)
    return EvidenceItem(**fields)  # type: ignore[arg-type]


def _claim(subject: Entity, predicate: Predicate, obj: Entity, *items: EvidenceItem) -> Claim:
    return Claim(subject.id, predicate, obj.id, tuple(items))


def _clinical() -> RecordBundle:
    t = CLINICAL_TEXT
    claims = (
        _claim(
            HUANGQI,
            Predicate.TREATS,
            T2DM,
            _evidence(
                CLINICAL,
                t,
                "In this randomised",
                StudyDesign.RCT,
                Direction.BENEFIT,
                sample_size=120,
                species="human",
                trial_ids=(TRIAL.id,),
                population_syndromes=("TCMKG.SYNDROME:qi-yin-liang-xu",),
                confidence=0.95,
            ),
            _evidence(
                CLINICAL,
                t,
                "A pooled meta-analysis",
                StudyDesign.META_ANALYSIS,
                Direction.BENEFIT,
                species="human",
                confidence=0.9,
                knowledge_level=KnowledgeLevel.STATISTICAL_ASSOCIATION,
            ),
            _evidence(
                CLINICAL,
                t,
                "In a cohort",
                StudyDesign.COHORT,
                Direction.NULL,
                negated=True,
                species="human",
                sample_size=800,
                statement="result",
                confidence=0.8,
                knowledge_level=KnowledgeLevel.OBSERVATION,
            ),
        ),
        _claim(
            HUANGQI,
            Predicate.CAUSES,
            HYPOGLYCEMIA,
            _evidence(
                CLINICAL,
                t,
                "One case of hypoglycaemia",
                StudyDesign.CASE_REPORT,
                Direction.HARM,
                sample_size=1,
                species="human",
                confidence=0.7,
            ),
        ),
        _claim(
            HUANGQI,
            Predicate.INTERACTS_WITH,
            WARFARIN,
            _evidence(
                CLINICAL,
                t,
                "Astragali Radix may potentiate",
                StudyDesign.CASE_REPORT,
                Direction.HARM,
                hedged=True,
                sample_size=1,
                species="human",
                confidence=0.6,
            ),
        ),
    )
    entities = (HUANGQI, T2DM, HYPOGLYCEMIA, WARFARIN)
    return RecordBundle(CLINICAL, entities, claims, text=t)


def _formula() -> RecordBundle:
    t = FORMULA_TEXT
    composition = tuple(
        _claim(
            LIUWEI,
            Predicate.HAS_PART,
            herb,
            _evidence(
                FORMULA_REVIEW,
                t,
                "Classical texts",
                StudyDesign.TRADITIONAL,
                Direction.UNKNOWN,
                dose=dose,
            ),
        )
        for herb, dose in LIUWEI_COMPOSITION
    )
    claims = (
        *composition,
        _claim(
            LIUWEI,
            Predicate.TREATS,
            T2DM,
            _evidence(
                FORMULA_REVIEW,
                t,
                "A non-randomised",
                StudyDesign.NON_RANDOMISED_TRIAL,
                Direction.BENEFIT,
                species="human",
                sample_size=60,
                confidence=0.85,
            ),
            _evidence(
                FORMULA_REVIEW,
                t,
                "A case-control",
                StudyDesign.CASE_CONTROL,
                Direction.UNKNOWN,
                species="human",
                confidence=0.5,
                agent_type=AgentType.TEXT_MINING_AGENT,
                method="tcmkg.extract",
                knowledge_level=KnowledgeLevel.NOT_PROVIDED,
            ),
        ),
        _claim(
            LIUWEI,
            Predicate.ASSOCIATED_WITH,
            FASTING_GLUCOSE,
            _evidence(
                FORMULA_REVIEW,
                t,
                "A systematic review",
                StudyDesign.SYSTEMATIC_REVIEW,
                Direction.NULL,
                negated=True,
                species="human",
                confidence=0.8,
            ),
        ),
        _claim(
            TNF,
            Predicate.ASSOCIATED_WITH,
            T2DM,
            _evidence(
                FORMULA_REVIEW,
                t,
                "TNF has been",
                StudyDesign.REVIEW,
                Direction.BENEFIT,
                confidence=0.6,
            ),
        ),
    )
    entities = (LIUWEI, TNF, T2DM, FASTING_GLUCOSE, *(h for h, _ in LIUWEI_COMPOSITION))
    return RecordBundle(FORMULA_REVIEW, entities, claims, text=t)


def _lab() -> RecordBundle:
    t = LAB_TEXT
    claims = (
        _claim(
            ASTRAGALOSIDE,
            Predicate.ACTIVATES,
            AKT1,
            _evidence(
                LAB, t, "In diabetic rats", StudyDesign.ANIMAL, Direction.BENEFIT, species="rat"
            ),
        ),
        _claim(
            QUERCETIN,
            Predicate.INHIBITS,
            AKT1,
            _evidence(
                LAB,
                t,
                "In cultured cells",
                StudyDesign.IN_VITRO,
                Direction.BENEFIT,
                species="HepG2 cells",
            ),
        ),
        _claim(
            QUERCETIN,
            Predicate.BINDS,
            TNF,
            _evidence(
                LAB,
                t,
                "Docking suggested",
                StudyDesign.IN_SILICO,
                Direction.BENEFIT,
                hedged=True,
                confidence=0.4,
                knowledge_level=KnowledgeLevel.PREDICTION,
                agent_type=AgentType.COMPUTATIONAL_MODEL,
            ),
        ),
    )
    return RecordBundle(LAB, (ASTRAGALOSIDE, QUERCETIN, AKT1, TNF), claims, text=t)


def _table() -> RecordBundle:
    def row(subject: Entity, predicate: Predicate, obj: Entity) -> Claim:
        item = _evidence(
            TABLE,
            None,
            None,
            StudyDesign.DATABASE,
            Direction.UNKNOWN,
            knowledge_level=KnowledgeLevel.PREDICTION,
            agent_type=AgentType.AUTOMATED_AGENT,
            method="illustrative-table-import",
        )
        return _claim(subject, predicate, obj, item)

    claims = (
        row(HUANGQI, Predicate.CONTAINS, ASTRAGALOSIDE),
        row(HUANGQI, Predicate.CONTAINS, QUERCETIN),
        row(AKT1, Predicate.PARTICIPATES_IN, PI3K_AKT),
    )
    return RecordBundle(TABLE, (HUANGQI, ASTRAGALOSIDE, QUERCETIN, AKT1, PI3K_AKT), claims)


def _catalogue() -> RecordBundle:
    def item(
        design: StudyDesign, dose: str | None = None, agent: AgentType = AgentType.MANUAL_AGENT
    ) -> EvidenceItem:
        return _evidence(
            CATALOGUE, None, None, design, Direction.UNKNOWN, dose=dose, agent_type=agent
        )

    claims = (
        _claim(PREPARATION, Predicate.HAS_PART, HUANGQI, item(StudyDesign.OTHER, "30 g")),
        _claim(PREPARATION, Predicate.HAS_PART, SHANYAO, item(StudyDesign.OTHER, "15 g")),
        _claim(
            PREPARATION,
            Predicate.TREATS,
            T2DM,
            item(StudyDesign.UNKNOWN, agent=AgentType.NOT_PROVIDED),
        ),
        _claim(
            PREPARATION, Predicate.CONTRAINDICATED_IN, HYPOGLYCEMIA, item(StudyDesign.TRADITIONAL)
        ),
    )
    entities = (PREPARATION, HUANGQI, SHANYAO, T2DM, HYPOGLYCEMIA)
    return RecordBundle(CATALOGUE, entities, claims)


def _trial() -> RecordBundle:
    return RecordBundle(TRIAL)


def illustrative_bundles() -> list[RecordBundle]:
    """The record bundles of the illustrative graph (one named graph each)."""
    return [_clinical(), _formula(), _lab(), _table(), _catalogue(), _trial()]


def illustrative_entities() -> Sequence[Entity]:
    """The entities of the illustrative graph with all their names, for the vocabulary graph."""
    return ENTITIES
