"""The real desktop ApiClient against the real server on loopback (SQLite and PostgreSQL):
sign in, list deliveries, download the package, open it with the start code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from medxam_desktop.domain.package import parse_package
from medxam_desktop.errors import AuthError
from medxam_desktop.sync.api_client import ApiClient, SignInRefused
from medxam_desktop.sync.package import WrongStartCode, decrypt_content
from medxam_server.config import Settings
from tests.contract.live_server import PASSWORD, serving_delivery

FORBIDDEN_KEYS = {"key", "points", "penalty", "explanation", "start_code", "points_units"}


@pytest.fixture
def server(server_settings: Settings) -> Iterator[tuple[str, dict[str, object]]]:
    with serving_delivery(server_settings, taker_count=3, question_count=4) as made:
        yield made


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_sign_in_download_and_open_with_the_start_code(
    server: tuple[str, dict[str, object]],
) -> None:
    url, setup = server
    delivery: dict[str, str] = setup["delivery"]  # type: ignore[assignment]
    document: dict[str, list[dict[str, object]]] = setup["document"]  # type: ignore[assignment]
    client = ApiClient(url)

    with pytest.raises(SignInRefused) as refused:
        client.login("pat", "not the password")
    assert "user name or password" in refused.value.user_text and client.token is None

    token, user = client.login("pat", PASSWORD)
    assert token and user.username == "pat" and user.role == "proctor"
    assert client.me().id == user.id

    listed = client.list_deliveries()
    assert [d.id for d in listed] == [delivery["id"]]
    assert listed[0].title == "Anatomy 2 — morning sitting" and listed[0].location == "Hall B"

    progress: list[tuple[int, int | None]] = []
    download = client.download_package(
        delivery["id"], progress=lambda got, total: progress.append((got, total))
    )
    raw = download.body
    assert raw is not None and download.etag
    assert progress[-1][0] == len(raw)

    # The envelope: the right delivery and roster, and no secret anywhere in it.
    info = parse_package(raw)
    assert info.delivery_id == delivery["id"] and info.question_count == 4
    numbers = sorted(entry.candidate_number for entry in info.roster)
    assert numbers == ["C1001", "C1002", "C1003"]
    assert delivery["start_code"] not in raw.decode()
    assert not FORBIDDEN_KEYS & _keys(json.loads(raw))
    assert b"SECRET-EXPLANATION" not in raw

    # The start code opens the content in memory; it matches what the admin imported.
    content = decrypt_content(raw, delivery["start_code"].lower())
    assert content.title == "Anatomy 2" and content.duration_minutes == 90
    stems = [q.stem for q in content.questions]
    assert stems == [q["stem"] for q in document["questions"]]
    assert [[o.text for o in q.options] for q in content.questions] == [
        [o["text"] for o in q["options"]]  # type: ignore[index]
        for q in document["questions"]
    ]
    assert content.media["arm.png"].data.startswith(b"\x89PNG")
    with pytest.raises(WrongStartCode):
        decrypt_content(raw, "ABCDEFGH")

    # Unchanged package: 304 with the ETag, nothing downloaded again.
    again = client.download_package(delivery["id"], etag=download.etag)
    assert again.not_modified and again.body is None

    client.logout()
    assert client.token is None
    stale = ApiClient(url, token=token)
    with pytest.raises(AuthError):
        stale.me()
    stale.close()
    client.close()
