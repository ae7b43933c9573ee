"""The USB fallback: everything not yet confirmed, in one signed bundle file (contracts.md).

The server applies a bundle with the same rules as a push and uses its records digest
as the Idempotency-Key, so importing it twice, or importing it and pushing the same
records later, keeps one copy. The file is written whole or not at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medxam_desktop.domain.attempt import PROTOCOL_VERSION, format_wire_time
from medxam_desktop.errors import (
    CredentialStoreError,
    KeyFileError,
    SigningKeyLockedError,
    StoreWriteError,
)
from medxam_desktop.sync.key_unlock import signing_key_for

if TYPE_CHECKING:
    from medxam_desktop.store import Store

log = logging.getLogger(__name__)

BUNDLE_SUFFIX = ".medxam-bundle"
# Called with (steps done, steps in all) from the exporting thread.
BundleProgress = Callable[[int, int], None]


class BundleKeyMissingError(CredentialStoreError):
    """The bundle must be signed with the workstation's key, which lives in the system
    keyring, and this computer has no usable keyring and no key file: nothing is written.
    (With a key file that no PIN has opened yet: ``SigningKeyLockedError``.)"""

    user_text = (
        "The USB bundle was not written. It must be signed with this workstation's signing "
        "key, which is kept in the computer's secure password store (keyring), and this "
        "computer has no usable keyring (none installed, or it is locked). Nothing is lost: "
        "every answer stays saved and queued here.\n\n"
        "What to do: unlock the keyring (sign in to the desktop session) or install one "
        "(gnome-keyring or KWallet on Linux), then export again; or sync over the network "
        "once it is back. On a computer without a keyring, a proctor entering their PIN "
        "here makes a key file sealed with it; the server learns that key at the next "
        'online sync. See docs/operations.md, "USB bundle without a keyring".'
    )


def canonical_json(value: Any) -> bytes:
    """contracts.md: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class BundleSummary:
    path: Path
    record_count: int
    attempt_count: int
    records_sha256: str
    size_bytes: int


def build_bundle(
    store: Store, *, now: datetime | None = None, progress: BundleProgress | None = None
) -> tuple[bytes, BundleSummary]:
    """The signed bundle's bytes (and what it holds; ``path`` is not set yet).

    The key comes first: without it nothing is read or written."""
    try:
        key = signing_key_for(store)
    except (SigningKeyLockedError, KeyFileError):
        log.warning("bundle not written: the workstation signing key is locked")
        raise
    except CredentialStoreError as exc:
        log.warning("bundle not written: the workstation signing key is not available")
        raise BundleKeyMissingError() from exc
    outbox_records = store.outbox.unverified()
    total = len(outbox_records) + 2
    records: list[dict[str, Any]] = []
    for done, record in enumerate(outbox_records, start=1):
        records.append(record.wire())
        if progress is not None and done % 1000 == 0:
            progress(done, total)
    records_sha256 = hashlib.sha256(canonical_json(records)).hexdigest()
    per_attempt = Counter(r["attempt_id"] for r in records)
    document: dict[str, Any] = {
        "format": "medxam-bundle",
        "version": 1,
        "workstation_id": store.workstation_id,
        "created_at": format_wire_time(now or datetime.now(UTC)),
        "protocol": PROTOCOL_VERSION,
        "records": records,
        "manifest": {
            "record_count": len(records),
            "records_sha256": records_sha256,
            "attempts": [
                {"attempt_id": attempt_id, "record_count": count}
                for attempt_id, count in sorted(per_attempt.items())
            ],
        },
    }
    document["signature"] = base64.b64encode(key.sign(canonical_json(document))).decode("ascii")
    if progress is not None:
        progress(total - 1, total)
    raw = canonical_json(document)
    summary = BundleSummary(Path(), len(records), len(per_attempt), records_sha256, len(raw))
    return raw, summary


def export_bundle(
    store: Store, path: Path, *, progress: BundleProgress | None = None
) -> BundleSummary:
    """Write the bundle to ``path`` (e.g. on a USB stick): a temporary file, flushed to
    the device, then renamed, so a pulled stick never leaves half a bundle."""
    path = Path(path)
    raw, summary = build_bundle(store, progress=progress)
    temporary = path.with_name(path.name + ".part")
    try:
        with temporary.open("wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StoreWriteError(f"The bundle could not be written to {path}: {exc.strerror}") from exc
    if progress is not None:
        progress(summary.record_count + 2, summary.record_count + 2)
    log.info("bundle exported: %d records, %d bytes", summary.record_count, len(raw))
    return BundleSummary(
        path, summary.record_count, summary.attempt_count, summary.records_sha256, len(raw)
    )
