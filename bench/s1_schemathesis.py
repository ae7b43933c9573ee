"""S1, the long pass: schemathesis over /api/openapi.json with an admin token.

Runs every operation with many more generated examples than the test suite does (and a
fresh random seed each run) against a migrated SQLite file, or against
``MEDXAM_DATABASE_URL`` when it is set (an empty, migrated database is expected).
Prints one line: ``S1 operations=N examples_per_operation=M failures=K ... PASS|FAIL``,
then each failure on stderr.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bench.report import line
from medxam_server.config import Settings
from medxam_server.db.session import make_engine, transaction
from medxam_server.main import create_app
from medxam_server.migrate import upgrade
from medxam_server.services.accounts import auth
from tests.server.s1_fuzz import fuzz

EXAMPLES = int(os.environ.get("MEDXAM_S1_EXAMPLES", "60"))
PASSWORD = "s1 bench password"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("MEDXAM_DATABASE_URL") or f"sqlite:///{Path(tmp) / 's1.sqlite3'}"
        settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="s1-bench")
        engine = make_engine(settings.resolved_database_url())
        upgrade(engine)
        engine.dispose()
        app = create_app(settings)
        try:
            username = f"s1-admin-{int(time.time())}"
            with transaction(app.state.session_factory) as session:
                auth.create_user(
                    session, username=username, password=PASSWORD, full_name="S1", role="admin"
                )
            with TestClient(app) as client:
                login = client.post(
                    "/api/auth/login", json={"username": username, "password": PASSWORD}
                )
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
            started = time.perf_counter()
            operations, failures = fuzz(app, headers, max_examples=EXAMPLES, derandomize=False)
            seconds = time.perf_counter() - started
        finally:
            app.state.engine.dispose()
    figures: dict[str, float | int | str] = {
        "operations": operations,
        "examples_per_operation": EXAMPLES,
        "failures": len(failures),
        "seconds": seconds,
    }
    print(line("S1", figures, "no 5xx and no schema violation", not failures), flush=True)
    for failure in failures:
        print(failure, file=sys.stderr)


if __name__ == "__main__":
    main()
