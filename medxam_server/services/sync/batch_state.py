"""The one object the stages of a batch hand on to each other (``ingest.ingest_batch``).

Each stage reads what the earlier ones left and fills its own part, in the order of
the fields below; nothing else is passed between them, so the pipeline reads as a list
of calls and a stage can be understood from this class and its own module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from medxam_server.rules.fold import Fact
from medxam_server.rules.records import Rejection, ValidRecord
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.batch import Batch
from medxam_server.services.sync.batch_receipt import RecordResult
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.held_records import AttemptRecords

Verdicts = dict[str, tuple[str, str]]  # record id -> (reason, detail)


@dataclass(slots=True)
class BatchState:
    batch: Batch
    secret: bytes  # for receipt codes
    now: datetime  # the batch's time: received_at, server_time
    exams: ExamCache  # shared by the checks and the fold

    # classify: a result per record (filled by classify and store), the rejected records
    # by their index in the batch, and the well-formed records first of their id and seq
    # in the batch (the candidates) with those seqs.
    results: list[RecordResult] = field(default_factory=list)
    rejected: list[tuple[int, Rejection]] = field(default_factory=list)
    candidates: list[tuple[int, ValidRecord]] = field(default_factory=list)
    seqs: set[int] = field(default_factory=set)

    # check: the attempts the candidates name (sorted), those that exist, and the
    # candidates the database checks refuse.
    attempt_ids: list[str] = field(default_factory=list)
    attempts: dict[str, AttemptRow] = field(default_factory=dict)
    verdicts: Verdicts = field(default_factory=dict)

    # store: the records inserted now, and the workstation's high-water mark after them.
    applied: list[ValidRecord] = field(default_factory=list)
    high_water_mark: int = 0

    # apply: what is held of each attempt, and every record of the attempts rebuilt.
    held: dict[str, AttemptRecords] = field(default_factory=dict)
    known: Mapping[str, Sequence[Fact]] = field(default_factory=dict)

    # integrity: the seqs still missing of each finished attempt that is incomplete.
    missing: dict[str, list[int]] = field(default_factory=dict)
