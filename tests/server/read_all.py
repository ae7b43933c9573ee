"""Every read endpoint that shows attempts, answers, results or receipts, asked in turn:
what the hardening tests of issue 13 use to show that no stored row breaks a read."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.testclient import TestClient

from tests.server.conftest import SignedIn

ATTEMPT_ENDS = ("", "/details", "/answers")


def read_all(
    client: TestClient,
    admin: SignedIn,
    *,
    delivery_ids: Iterable[str],
    attempt_ids: Iterable[str] = (),
    receipt_codes: Iterable[str] = (),
    filters: Iterable[str] = (),
    every_listed: bool = True,
) -> dict[str, int]:
    """path -> status of each read: the deliveries' results (JSON and CSV), the attempt
    list (unfiltered, by delivery, and any ``filters`` given as query strings), every
    given attempt (and every listed one unless ``every_listed`` is false) with its
    details and answers, and the receipts."""
    paths = ["/api/attempts", "/api/attempts?completed=true", "/api/attempts?completed=false"]
    paths += [f"/api/attempts?{query}" for query in filters]
    for delivery_id in delivery_ids:
        paths += [
            f"/api/deliveries/{delivery_id}/results",
            f"/api/deliveries/{delivery_id}/results.csv",
            f"/api/attempts?delivery_id={delivery_id}",
        ]
    found = {path: client.get(path, headers=admin.headers).status_code for path in paths}
    listed = client.get("/api/attempts?per_page=500", headers=admin.headers)
    ids = set(attempt_ids)
    if listed.status_code == 200 and every_listed:
        ids |= {item["id"] for item in listed.json()["items"]}
    for attempt_id in sorted(ids):
        for end in ATTEMPT_ENDS:
            path = f"/api/attempts/{attempt_id}{end}"
            found[path] = client.get(path, headers=admin.headers).status_code
    for code in receipt_codes:
        path = f"/api/receipts/{code}"
        found[path] = client.get(path, headers=admin.headers).status_code
    return found
