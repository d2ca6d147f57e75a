"""Support for the HTTP API tests: a small illustrative graph, test settings, a real uvicorn server.

The graph is written by the project for these tests and is illustrative only: its documents are
``TCMKG.DOC:api-test-*`` records, not real papers, and it cites no PMID or trial.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from kg.iri import herb_curie, own_curie
from kg.model import (
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Label,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.settings import Settings
from kg.store import GraphStore
from kg.writer import bundle_quads, vocabulary_quads

API_KEY = "test-key-for-the-api-tests-only"
API_KEY_HASH = "sha256:" + hashlib.sha256(API_KEY.encode()).hexdigest()

ASTRAGALUS = herb_curie("Astragali Radix")
STEPHANIA = herb_curie("Stephaniae Tetrandrae Radix")
ARISTOLOCHIA = herb_curie("Aristolochiae Fangchi Radix")
FATIGUE = own_curie("TCMKG.DISEASE", "illustrative fatigue")
OEDEMA = own_curie("TCMKG.DISEASE", "illustrative oedema")
KIDNEY = own_curie("TCMKG.DISEASE", "illustrative kidney injury")

HERBS = (
    Entity(
        ASTRAGALUS,
        EntityKind.HERB,
        "Astragali Radix",
        labels=(
            Label("黄芪", "zh", True),
            Label("huang qi", "zh-Latn-pinyin", True),
            Label("huangqi", "zh-Latn-pinyin"),
            Label("Astragali Radix", "la", True),
            Label("Radix Astragali", "la"),
            Label("Astragalus root", "en", True),
            Label("Astragalus membranaceus", "la"),
        ),
    ),
    Entity(
        STEPHANIA,
        EntityKind.HERB,
        "Stephaniae Tetrandrae Radix",
        labels=(
            Label("防己", "zh", True),
            Label("fang ji", "zh-Latn-pinyin", True),
            Label("Stephaniae Tetrandrae Radix", "la", True),
        ),
    ),
    Entity(
        ARISTOLOCHIA,
        EntityKind.HERB,
        "Aristolochiae Fangchi Radix",
        labels=(
            Label("广防己", "zh", True),
            Label("guang fang ji", "zh-Latn-pinyin", True),
            Label("fang ji", "zh-Latn-pinyin"),
            Label("Aristolochiae Fangchi Radix", "la", True),
        ),
    ),
    Entity(FATIGUE, EntityKind.DISEASE, "illustrative fatigue"),
    Entity(OEDEMA, EntityKind.DISEASE, "illustrative oedema"),
    Entity(KIDNEY, EntityKind.DISEASE, "illustrative kidney injury"),
)


def _doc(n: int, year: int) -> SourceRecord:
    return SourceRecord(
        f"TCMKG.DOC:api-test-{n}",
        RecordKind.DOCUMENT,
        title=f"Illustrative document {n} for the API tests",
        year=year,
        illustrative=True,
    )


def bundles() -> list[RecordBundle]:
    """Three illustrative documents: two about Astragalus and fatigue, one about fangji."""
    return [
        RecordBundle(
            _doc(1, 2020),
            entities=HERBS[:1] + HERBS[3:4],
            claims=(
                Claim(
                    ASTRAGALUS,
                    Predicate.TREATS,
                    FATIGUE,
                    (
                        EvidenceItem(
                            "TCMKG.DOC:api-test-1",
                            design=StudyDesign.RCT,
                            direction=Direction.BENEFIT,
                            sentence="Illustrative: Astragalus reduced fatigue scores.",
                            start=0,
                            end=49,
                            sample_size=120,
                            year=2020,
                            method="manual",
                            confidence=0.9,
                        ),
                    ),
                ),
            ),
        ),
        RecordBundle(
            _doc(2, 2018),
            entities=HERBS[:1] + HERBS[3:4],
            claims=(
                Claim(
                    ASTRAGALUS,
                    Predicate.TREATS,
                    FATIGUE,
                    (
                        EvidenceItem(
                            "TCMKG.DOC:api-test-2",
                            design=StudyDesign.COHORT,
                            direction=Direction.NULL,
                            sentence="Illustrative: no difference in fatigue was seen.",
                            sample_size=40,
                            year=2018,
                            method="manual",
                        ),
                    ),
                ),
            ),
        ),
        RecordBundle(
            _doc(3, 2015),
            entities=(HERBS[1], HERBS[2], HERBS[4], HERBS[5]),
            claims=(
                Claim(
                    STEPHANIA,
                    Predicate.TREATS,
                    OEDEMA,
                    (
                        EvidenceItem(
                            "TCMKG.DOC:api-test-3",
                            design=StudyDesign.ANIMAL,
                            direction=Direction.BENEFIT,
                            species="rat",
                            year=2015,
                        ),
                    ),
                ),
                Claim(
                    STEPHANIA,
                    Predicate.CAUSES,
                    KIDNEY,
                    (
                        EvidenceItem(
                            "TCMKG.DOC:api-test-3",
                            design=StudyDesign.CASE_REPORT,
                            direction=Direction.HARM,
                            year=2015,
                        ),
                    ),
                ),
                Claim(
                    ARISTOLOCHIA,
                    Predicate.CAUSES,
                    OEDEMA,
                    (
                        EvidenceItem(
                            "TCMKG.DOC:api-test-3",
                            design=StudyDesign.CASE_REPORT,
                            direction=Direction.HARM,
                            year=2015,
                        ),
                    ),
                ),
            ),
        ),
    ]


def fill(store: GraphStore) -> None:
    """Write the illustrative graph (records and vocabulary) into ``store``."""
    for bundle in bundles():
        quads = bundle_quads(bundle)
        store.replace_graph(quads[0].graph_name.value, quads)  # type: ignore[union-attr]
    vocab = list(vocabulary_quads(HERBS, "api-tests"))
    store.replace_graph(vocab[0].graph_name.value, vocab)  # type: ignore[union-attr]


def settings(**overrides: object) -> Settings:
    """Settings for a test app: the test key, small limits, nothing read from the environment."""
    values: dict[str, object] = {
        "api_key_hash": API_KEY_HASH,
        "query_timeout_seconds": 10.0,
        "max_result_rows": 1000,
        "max_query_bytes": 64 * 1024,
        "max_upload_bytes": 1024 * 1024,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class LiveServer:
    """A real uvicorn server on a free 127.0.0.1 port, in a thread of the test process."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    store: GraphStore

    def stop(self) -> None:
        """Ask the server to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app: FastAPI, store: GraphStore) -> LiveServer:
    """Serve ``app`` with uvicorn on a loopback port chosen by the OS."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread, store)
