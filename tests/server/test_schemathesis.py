"""S1: schemathesis over /api/openapi.json with an admin token finds no 5xx and no
answer that breaks the schema. Bounded here; ``make bench`` runs a longer pass."""

from __future__ import annotations

from fastapi import FastAPI

from tests.server.conftest import SignedIn
from tests.server.s1_fuzz import fuzz

MAX_EXAMPLES = 4


def test_the_api_keeps_its_schema_under_fuzzing(app: FastAPI, admin: SignedIn) -> None:
    operations, failures = fuzz(app, admin.headers, max_examples=MAX_EXAMPLES, derandomize=True)
    assert operations >= 60
    assert not failures, "\n\n".join(failures)
