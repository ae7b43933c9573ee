"""The download path of ApiClient over real loopback HTTP: progress, ETag, cancel, errors.

The server here is a small stdlib HTTP server whose pace and headers the test controls
(slow chunks, no Content-Length); login, listing and the real package endpoint are driven
against the real medxam server in tests/contract/test_package_flow.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from medxam_desktop.errors import AuthError, OfflineError, ServerRejectedError
from medxam_desktop.sync.api_client import ApiClient, DownloadCancelled
from tests.desktop.package_server import ETAG, PACKAGE, Handler, package_server


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with package_server() as url:
        yield url


def test_download_reports_progress_up_to_the_total(server_url: str) -> None:
    client = ApiClient(server_url, token="good")
    seen: list[tuple[int, int | None]] = []
    download = client.download_package("d1", progress=lambda got, total: seen.append((got, total)))
    assert download.body == PACKAGE
    assert download.etag == ETAG and not download.not_modified
    assert seen[0] == (0, len(PACKAGE))
    assert seen[-1] == (len(PACKAGE), len(PACKAGE))
    assert len(seen) > 2
    assert [got for got, _ in seen] == sorted(got for got, _ in seen)
    client.close()


def test_an_unchanged_package_is_not_downloaded_again(server_url: str) -> None:
    client = ApiClient(server_url, token="good")
    download = client.download_package("d1", etag=ETAG)
    assert download.not_modified and download.body is None and download.etag == ETAG
    client.close()


def test_progress_without_a_content_length(server_url: str) -> None:
    client = ApiClient(server_url, token="good")
    seen: list[tuple[int, int | None]] = []
    download = client.download_package(
        "chunked", progress=lambda got, total: seen.append((got, total))
    )
    assert download.body == PACKAGE
    assert {total for _, total in seen} == {None}
    assert seen[-1][0] == len(PACKAGE)
    client.close()


def test_cancel_stops_a_download_between_chunks(server_url: str) -> None:
    Handler.release = threading.Event()
    client = ApiClient(server_url, token="good")
    cancel = threading.Event()

    def progress(got: int, total: int | None) -> None:
        if got > 0:
            cancel.set()
            Handler.release.set()

    with pytest.raises(DownloadCancelled):
        client.download_package("slow", progress=progress, cancel=cancel)
    client.close()


@pytest.mark.parametrize(
    ("token", "delivery", "error"),
    [
        ("bad", "d1", AuthError),
        ("good", "missing", ServerRejectedError),
    ],
)
def test_refusals_become_our_errors(
    server_url: str, token: str, delivery: str, error: type[Exception]
) -> None:
    client = ApiClient(server_url, token=token)
    with pytest.raises(error):
        client.download_package(delivery)
    client.close()


def test_no_server_is_offline() -> None:
    client = ApiClient("http://127.0.0.1:9", token="good")
    with pytest.raises(OfflineError):
        client.download_package("d1")
    with pytest.raises(OfflineError):
        client.list_deliveries()
    client.close()
