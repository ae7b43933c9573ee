"""S1 shared by the test and the benchmark: schemathesis over the app's OpenAPI document.

Every operation gets ``max_examples`` generated requests, sent with an admin token; every
answer must not be a 5xx and must match the schema (status code documented, content type
documented, body valid, documented headers valid). ``POST /api/auth/logout`` is left out:
it would revoke the token the run uses (tests/server/test_auth.py covers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SKIPPED = {"POST /api/auth/logout"}


def fuzz(
    app: FastAPI, headers: dict[str, str], *, max_examples: int, derandomize: bool
) -> tuple[int, list[str]]:
    """(operations run, failures as text) for one pass over every operation."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIPPED:
            continue
        count += 1
        test = _operation_test(operation, headers, max_examples, derandomize)
        try:
            test()
        except Exception as exc:  # every failure is collected, then reported together
            failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:2000]}")
    return count, failures


def _operation_test(
    operation: Any, headers: dict[str, str], max_examples: int, derandomize: bool
) -> Callable[[], None]:
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run  # type: ignore[no-any-return]
