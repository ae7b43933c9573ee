"""``medxam-desktop sync | status | export-bundle``: the sync for scripted test centres.

No Qt here. The store is opened without crash recovery, so running these beside the
window never pauses an exam in progress. On a computer without a keyring, ``export-bundle``
and ``sync`` ask for a proctor's PIN ("Proctor PIN:", or one line on stdin with
``--pin-stdin``) to open the workstation's key file. Exit codes, for scripts:

0 everything sent and confirmed; 1 some records quarantined by the server (listed);
2 not signed in / sign-in refused; 3 the server refuses this protocol version;
4 the server could not be reached, or stayed busy, until ``--timeout``; 5 other errors.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from medxam_desktop.config import load_config
from medxam_desktop.errors import (
    AuthError,
    MedXamError,
    OfflineError,
    ProtocolRefusedError,
    SigningKeyLockedError,
    StuckQueueError,
    SyncKeyLockedError,
    user_message,
)
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.bundle_export import BUNDLE_SUFFIX, export_bundle
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.sync.key_unlock import unlock_with_pin
from medxam_desktop.sync.pusher import Pusher, PushReport
from medxam_desktop.sync.status import SyncStatus, read_status

COMMANDS = ("sync", "status", "export-bundle")
OK, QUARANTINED, NOT_SIGNED_IN, PROTOCOL, UNREACHABLE, FAILED = range(6)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medxam-desktop", description="MedXam sync tools")
    parser.add_argument("--server-url", default=None, help="default: $MEDXAM_SERVER_URL")
    parser.add_argument("--data-dir", default=None, help="where the local store lives")
    # The same two options after the subcommand too (``sync --data-dir D``).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server-url", default=argparse.SUPPRESS)
    common.add_argument("--data-dir", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser(
        "sync", parents=[common], help="send every queued record and wait for receipts"
    )
    sync.add_argument("--username", help="sign in (password from $MEDXAM_PASSWORD or a prompt)")
    sync.add_argument("--timeout", type=float, default=120.0, help="seconds to keep retrying")
    sync.add_argument(
        "--pin-stdin",
        action="store_true",
        help="without a keyring: read the proctor PIN that unlocks the key file from stdin",
    )
    status = sub.add_parser(
        "status", parents=[common], help="queued, sent, confirmed, quarantined, receipts"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    export = sub.add_parser("export-bundle", parents=[common], help="write a signed USB bundle")
    export.add_argument("path", type=Path, help=f"file or folder (*{BUNDLE_SUFFIX})")
    export.add_argument(
        "--pin-stdin",
        action="store_true",
        help="without a keyring: read the proctor PIN that unlocks the key file from stdin",
    )
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    config = load_config(server_url=args.server_url, data_dir=args.data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        store = Store.open(config.store_path, recover=False)
    except MedXamError as exc:
        print(user_message(exc), file=sys.stderr)
        return FAILED
    try:
        if args.command == "status":
            return _status(store, as_json=args.json)
        if args.command == "export-bundle":
            return _export(store, args.path, pin_stdin=args.pin_stdin)
        return _sync(
            store, config.server_url, args.username, args.timeout, pin_stdin=args.pin_stdin
        )
    finally:
        store.close()


def _sync(
    store: Store, server_url: str, username: str | None, timeout: float, *, pin_stdin: bool
) -> int:
    client = ApiClient(server_url)
    asked_pin = False
    try:
        code = _sign_in(client, server_url, username)
        if code != OK:
            return code
        pusher = Pusher(store, client)
        deadline = time.monotonic() + timeout
        while True:
            try:
                report = pusher.sync()
                break
            except (OfflineError, StuckQueueError) as exc:
                delay = pusher.backoff.next_delay(getattr(exc, "retry_after", None))
                if time.monotonic() + delay > deadline:
                    print(
                        f"sync: gave up after {timeout:.0f} s: {user_message(exc)}", file=sys.stderr
                    )
                    return UNREACHABLE
                print(f"sync: {type(exc).__name__}; retrying in {delay:.1f} s", file=sys.stderr)
                time.sleep(delay)
            except SyncKeyLockedError as exc:  # no keyring, a key file: a PIN opens it, once
                problem = user_message(exc) if asked_pin else _unlock(store, pin_stdin=pin_stdin)
                if problem:
                    print(f"sync: {problem} Nothing was sent.", file=sys.stderr)
                    return FAILED
                asked_pin = True
            except AuthError as exc:
                print(f"sync: {user_message(exc)} (use --username)", file=sys.stderr)
                return NOT_SIGNED_IN
            except ProtocolRefusedError as exc:
                print(f"sync: {user_message(exc)}", file=sys.stderr)
                return PROTOCOL
            except MedXamError as exc:
                print(f"sync: {user_message(exc)}", file=sys.stderr)
                return FAILED
        status = pusher.status()
        print(_report_line(report, status))
        _print_quarantine(status)
        return QUARANTINED if status.quarantined else OK
    finally:
        client.close()


def _sign_in(client: ApiClient, server_url: str, username: str | None) -> int:
    credentials = CredentialStore(server_url)
    if username:
        password = os.environ.get("MEDXAM_PASSWORD") or getpass.getpass(
            f"Password for {username}: "
        )
        try:
            token, _ = client.login(username, password)
        except AuthError as exc:
            print(f"sync: {user_message(exc)}", file=sys.stderr)
            return NOT_SIGNED_IN
        except MedXamError as exc:
            print(f"sync: {user_message(exc)}", file=sys.stderr)
            return UNREACHABLE if isinstance(exc, OfflineError) else FAILED
        with contextlib.suppress(MedXamError):  # no keyring: signed in for this run only
            credentials.save_token(token)
        return OK
    try:
        client.token = credentials.load_token()
    except MedXamError as exc:
        print(f"sync: {user_message(exc)}", file=sys.stderr)
    if not client.token:
        print("sync: not signed in to this server; use --username", file=sys.stderr)
        return NOT_SIGNED_IN
    return OK


def _report_line(report: PushReport, status: SyncStatus) -> str:
    return (
        f"sync: {report.acknowledged} record(s) confirmed in {report.batches} batch(es); "
        f"{status.queued} queued, {status.sent} sent, {status.confirmed} confirmed, "
        f"{len(status.quarantined)} quarantined; "
        f"{len(set(report.completed))} attempt(s) complete"
    )


def _status(store: Store, *, as_json: bool) -> int:
    status = read_status(store)
    if as_json:
        print(json.dumps(_status_document(store, status), indent=2, default=str))
        return QUARANTINED if status.quarantined else OK
    offset = status.clock_offset_ms
    print(f"workstation   {store.workstation_id}")
    print(f"queued        {status.queued}")
    print(f"sent          {status.sent}  (waiting for the server to confirm the attempt)")
    print(f"confirmed     {status.confirmed}")
    print(f"quarantined   {len(status.quarantined)}")
    contact = status.last_contact.isoformat() if status.last_contact else "never"
    clock = f" (server clock {offset / 1000:+.1f} s)" if offset is not None else ""
    print(f"last contact  {contact}{clock}")
    _print_quarantine(status)
    for attempt in status.attempts:
        code = attempt.receipt_code or "-"
        print(
            f"attempt  {attempt.candidate_number:<10} {attempt.status:<10} "
            f"{attempt.integrity or 'not confirmed':<14} {code}"
        )
    return QUARANTINED if status.quarantined else OK


def _status_document(store: Store, status: SyncStatus) -> dict[str, Any]:
    return {
        "workstation_id": store.workstation_id,
        "queued": status.queued,
        "sent": status.sent,
        "confirmed": status.confirmed,
        "quarantined": [
            {"seq": q.record.seq, "id": q.record.id, "kind": q.record.kind, "reason": q.reason}
            for q in status.quarantined
        ],
        "last_contact": status.last_contact,
        "clock_offset_ms": status.clock_offset_ms,
        "attempts": [asdict(a) for a in status.attempts],
    }


def _print_quarantine(status: SyncStatus) -> None:
    for kept in status.quarantined:
        record = kept.record
        print(f"quarantined  seq {record.seq}  {record.kind}  {kept.reason}")


def _export(store: Store, path: Path, *, pin_stdin: bool = False) -> int:
    if path.is_dir():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = path / f"medxam-{store.workstation_id[:8]}-{stamp}{BUNDLE_SUFFIX}"
    try:
        try:
            summary = export_bundle(store, path)
        except SigningKeyLockedError:  # no keyring, a key file: a proctor's PIN opens it
            problem = _unlock(store, pin_stdin=pin_stdin)
            if problem:
                print(f"export-bundle: {problem} Nothing was written.", file=sys.stderr)
                return FAILED
            summary = export_bundle(store, path)
    except MedXamError as exc:
        print(f"export-bundle: {user_message(exc)}", file=sys.stderr)
        return FAILED
    print(
        f"export-bundle: {summary.record_count} record(s) of {summary.attempt_count} "
        f"attempt(s) written to {summary.path} (sha256 {summary.records_sha256[:12]}…)"
    )
    return OK


def _unlock(store: Store, *, pin_stdin: bool) -> str:
    """Ask for a proctor's PIN, check it against the store's PIN hashes (throttled as in
    the window) and open the key file with it: "" when open, else the words why not."""
    pin = sys.stdin.readline().strip() if pin_stdin else getpass.getpass("Proctor PIN: ")
    proctor = store.proctors.verify_any(pin) if pin else None
    if proctor is None:
        return "That PIN is not right."
    result = unlock_with_pin(store, proctor, pin)
    return "" if result.available else result.words
