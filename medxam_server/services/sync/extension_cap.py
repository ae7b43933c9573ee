"""The cap on an attempt's time extensions (issue 13, finding 7).

An ``attempt.time_extended`` record that would bring its attempt's extensions above
``MAX_EXTENSION_MINUTES`` in total is rejected (reason ``extension_cap``) and kept in
quarantine like any rejected record; the rest of its batch applies. The total counts
the attempt's kept extension records (a negative one, a correction, counts against it
and is never refused) and those of the batch before it in ``seq`` order.

240 minutes, fixed: double time for a four-hour paper, above any accommodation a
medical school grants, and far below what lets a proctor keep an attempt open at
will. Fixed rather than the exam's duration because the attempt's start (and so its
exam) may not have arrived yet, and a record's verdict should not wait on it. The
server never applies an extension itself (the desktop's clock does), so a refused one
is evidence an admin should look at, not a change to any score.

One query per batch that carries extension records, none otherwise (B4 carries none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from medxam_server.rules.records import ValidRecord
from medxam_server.services.sync import held_records

MAX_EXTENSION_MINUTES = 240
EXTENSION_CAP = "extension_cap"  # the reason of a refused extension
EXTENDED = "attempt.time_extended"


def extension_verdicts(
    session: Session, records: Sequence[ValidRecord], verdicts: Mapping[str, Any]
) -> dict[str, tuple[str, str]]:
    """record id -> (reason, detail) for the extensions among ``records`` (checked, new
    to the batch, without a verdict yet) that pass the cap."""
    extensions = [r for r in records if r.kind == EXTENDED and r.id not in verdicts]
    if not extensions:
        return {}
    ids = sorted({r.attempt_id for r in extensions})
    total: dict[str, int] = defaultdict(int)
    kept: set[str] = set()
    for record_id, attempt_id, data in held_records.kept_of_kind(session, EXTENDED, ids):
        kept.add(record_id)
        total[attempt_id] += _minutes(data)
    found: dict[str, tuple[str, str]] = {}
    for record in sorted(extensions, key=lambda r: r.seq):
        if record.id in kept:  # held already: ingest answers it as a duplicate
            continue
        minutes = int(record.data["minutes"])  # an integer (rules.records)
        after = total[record.attempt_id] + minutes
        if minutes > 0 and after > MAX_EXTENSION_MINUTES:
            found[record.id] = (
                EXTENSION_CAP,
                f"the attempt's time extensions would total {after} minutes; "
                f"at most {MAX_EXTENSION_MINUTES} are accepted",
            )
        else:
            total[record.attempt_id] = after
    return found


def _minutes(data: Any) -> int:
    value = data.get("minutes") if isinstance(data, dict) else None
    return value if type(value) is int else 0
