"""Schemathesis fuzzes every operation of the OpenAPI schema against the real server.

The checks: no server error (5xx), every status code and content type documented, and every
JSON response valid against its declared schema. Examples per operation are bounded so the
run stays short; the fuzzer is never given the API key, so write paths are probed for their
refusals only.

Schemathesis's own pytest plugin does not run under this pytest (it sets a node attribute
pytest 9 removed), so each operation gets a plain Hypothesis test built from
``APIOperation.as_strategy()``; the operations are listed from the app's own schema.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from kg.store import open_store
from tests.api.support import LiveServer, settings

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Operations with a known schema violation, each with the reason; they still run, and pass
# silently once fixed. Owned by the web page module, not by this test.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def _operations() -> list[object]:
    spec = create_app(open_store("memory:"), settings()).openapi()
    params: list[object] = []
    for path, ops in spec["paths"].items():
        for method in ops:
            key = (method.upper(), path)
            reason = KNOWN_FAILURES.get(key)
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            params.append(pytest.param(*key, marks=marks))
    return params


@pytest.fixture(scope="module")
def api_schema(live: LiveServer) -> Iterator[schemathesis.schemas.BaseSchema]:
    """The OpenAPI schema as served by the live server."""
    yield schemathesis.openapi.from_url(f"{live.url}/openapi.json")


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations())
def test_operation_conforms_to_schema(
    api_schema: schemathesis.schemas.BaseSchema, method: str, path: str
) -> None:
    """No 5xx and no schema violation on generated requests to this operation."""
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS, timeout=30)

    fuzz()
