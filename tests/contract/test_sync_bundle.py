"""USB bundles: export signed on the workstation, import with ``POST /api/sync/bundle``.

Importing twice, or importing and then pushing, leaves exactly one copy; a bundle that
was changed after signing is refused whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medxam_desktop.errors import ServerRejectedError
from medxam_desktop.sync.bundle_export import canonical_json, export_bundle
from medxam_server.config import Settings
from tests.contract.sync_support import admin_api, server_rows, sync_env


def test_bundle_import_twice_then_push_keeps_one_copy(
    server_settings: Settings, tmp_path: Path
) -> None:
    with sync_env(server_settings, tmp_path) as env:
        ws = env.workstation()
        ws.pusher.sync()  # online once: the bundle key is registered
        first = ws.sit(0)
        ws.pusher.sync()
        second = ws.sit(1)  # then the network never comes back
        third = ws.sit(2, finish=False)
        progress: list[tuple[int, int]] = []
        (tmp_path / "usb").mkdir()
        summary = export_bundle(
            ws.store,
            tmp_path / "usb" / "ws.medxam-bundle",
            progress=lambda done, total: progress.append((done, total)),
        )
        assert summary.path.exists() and not list((tmp_path / "usb").glob("*.part"))
        assert progress and progress[-1][0] == progress[-1][1]
        unverified = ws.store.outbox.unverified()
        assert summary.record_count == len(unverified)
        assert first not in {r.attempt_id for r in unverified}
        admin = admin_api(env.direct_url)
        raw = summary.path.read_bytes()
        receipt = admin.import_bundle(raw)
        again = admin.import_bundle(raw)
        assert again == receipt
        by_attempt = {a["attempt_id"]: a for a in receipt["attempts"]}
        assert by_attempt[second]["integrity"] == "complete"
        assert third in by_attempt
        kept, _ = server_rows(env.database_url, ws.store.workstation_id)
        assert len(kept) == len(ws.store.outbox.records())
        report = ws.pusher.sync()  # the network is back: everything is a duplicate
        assert second in report.completed
        env.holds(ws)
        admin.close()


def test_a_changed_bundle_is_refused_whole(server_settings: Settings, tmp_path: Path) -> None:
    with sync_env(server_settings, tmp_path) as env:
        ws = env.workstation()
        ws.pusher.sync()
        ws.sit(0)
        summary = export_bundle(ws.store, tmp_path / "ws.medxam-bundle")
        document = json.loads(summary.path.read_bytes())
        document["records"][-1]["data"]["answer"] = ["D"]  # someone edits an answer
        admin = admin_api(env.direct_url)
        with pytest.raises(ServerRejectedError) as caught:
            admin.import_bundle(canonical_json(document))
        assert "422" in str(caught.value)
        assert server_rows(env.database_url, ws.store.workstation_id) == ([], [])
        ws.pusher.sync()
        env.holds(ws)
        admin.close()
