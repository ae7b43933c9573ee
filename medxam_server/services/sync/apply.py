"""Stage 4, apply: fold the records just kept into their attempts and answers.

New records of a running attempt are applied incrementally (``incremental_answers``:
one set-based upsert in which the highest ``seq`` wins). When an attempt's start
arrives, or an ending record, the attempt is rebuilt from all its kept records
(``rebuild_attempts``), so it is always exactly what the records say, whatever order
they came in (API.md rules 3 and 7). Everything is done for the whole batch at once: a
few queries per batch, not per record. The attempts are changed in memory
(``state.attempts``) and written once, after the integrity check.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from medxam_server.models import utcnow
from medxam_server.rules.fold import ENDING_KINDS, Fact
from medxam_server.services.attempts.scoring import rescore_answers
from medxam_server.services.sync import answer_rows, custody, held_records
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.batch_state import BatchState
from medxam_server.services.sync.held_records import NONE_HELD
from medxam_server.services.sync.incremental_answers import incremental_rows
from medxam_server.services.sync.rebuild_attempts import rebuild_attempts


def apply_records(session: Session, state: BatchState) -> None:
    """Apply ``state.applied`` to the attempts; fill ``held`` and ``known``. Attempts the
    batch creates are added to ``state.attempts`` (not yet inserted)."""
    attempts, exams = state.attempts, state.exams
    new: dict[str, list[Fact]] = defaultdict(list)
    for r in state.applied:
        new[r.attempt_id].append(r)
    held = state.held = held_records.attempt_records(session, state.attempt_ids)
    rebuild = [
        aid
        for aid, records in sorted(new.items())
        if any(r.kind in ENDING_KINDS for r in records)
        or (aid not in attempts and any(r.kind == "attempt.started" for r in records))
    ]
    # Only attempts with records from earlier batches need them read back.
    partial = [aid for aid in rebuild if held.get(aid, NONE_HELD).count != len(new[aid])]
    ws = state.batch.workstation_id
    loaded = custody.own_records(session, held_records.fold_records(session, partial), attempts, ws)
    known = state.known = {aid: new[aid] for aid in rebuild} | loaded
    rebuilt = rebuild_attempts(session, state, known)
    attempts.update(rebuilt)
    upserts: list[dict[str, Any]] = []
    rescore: list[AttemptRow] = []
    for aid, records in sorted(new.items()):
        attempt = attempts.get(aid)
        if aid in rebuilt or attempt is None:
            continue
        end_seq = held.get(aid, NONE_HELD).end_seq
        rows = incremental_rows(attempt, records, end_seq=end_seq, exams=exams)
        upserts.extend(rows)
        if rows and attempt.status != "in_progress":
            rescore.append(attempt)
    answer_rows.upsert_answers(session, upserts)
    for attempt in rescore:  # an ended attempt's late answers (before its end) count
        score = rescore_answers(session, attempt.id, exams.questions(attempt.exam_id))
        attempt.max_score_units = score.max_score_units
        if attempt.score_source != "manual":
            attempt.score_units = score.score_units
            attempt.penalty_units = score.penalty_units
        attempt.updated_at = utcnow()
