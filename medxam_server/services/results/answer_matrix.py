"""Load a delivery's stored answers as an attempts × items matrix of chosen-option masks.

Bit ``b`` of a cell is set when the answer includes the label with bit ``b``
(``label_bits``); 0 means omitted. A label that is none of the exam's options sets a bit
no option has, so such an answer never equals a key. No Python work per answer row.

When every option label of the exam is one character (``models.LABEL_BIT``, the usual
A, B, C...), the stored ``attempt_questions.answer_mask`` integers are the cells:

- PostgreSQL: one statement (one snapshot) returns the finished attempts' ids and, as one
  ``bytea``, a 16-byte record (attempt ordinal, exam position, mask) per answered cell,
  read with one ``np.frombuffer``;
- other databases (SQLite): the three columns are fetched and ids mapped with
  ``np.searchsorted``.

Exams with longer labels take the general path: each distinct answer text is parsed once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from medxam_server.db.dialect import is_postgres
from medxam_server.models import LABEL_BIT, OTHER_LABEL_BIT, Attempt, AttemptQuestion

log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]
UNKNOWN_BIT = OTHER_LABEL_BIT
MAX_LABELS = 62  # distinct labels an exam may use on the general path (bits 0..61)


def label_bit_map(option_labels: Sequence[Sequence[str]]) -> tuple[dict[str, int], bool]:
    """A bit for every label used by the exam's options, and whether those are the bits of
    the stored ``answer_mask`` (every label one character) or a map for this exam only."""
    labels = list(dict.fromkeys(label for labels in option_labels for label in labels))
    if all(label in LABEL_BIT for label in labels):
        return {label: LABEL_BIT[label] for label in labels}, True
    if len(labels) > MAX_LABELS:
        raise ValueError(f"an exam may use at most {MAX_LABELS} distinct option labels")
    return {label: bit for bit, label in enumerate(labels)}, False


def mask_of(labels: Sequence[str], label_bits: Mapping[str, int]) -> int:
    mask = 0
    for label in labels:
        mask |= 1 << label_bits.get(label, UNKNOWN_BIT)
    return mask


def load_choices(
    session: Session,
    *,
    delivery_id: str,
    exam_id: str,
    attempt_ids: Sequence[str],
    question_ids: Sequence[str],
    positions: Sequence[int],
    label_bits: Mapping[str, int],
    stored_masks: bool,
) -> IntArray:
    """The masks of ``attempt_ids`` (rows, finished attempts of the delivery) × the exam's
    questions (columns: ``question_ids`` at exam ``positions``); 0 where none."""
    choices = np.zeros((len(attempt_ids), len(question_ids)), dtype=np.int64)
    if not attempt_ids or not question_ids:
        return choices
    if not stored_masks:
        cells = _parsed_cells(session, delivery_id, attempt_ids, question_ids, label_bits)
    elif is_postgres(session):
        cells = _postgres_cells(session, delivery_id, exam_id, attempt_ids, positions)
    else:
        cells = _stored_cells(session, delivery_id, attempt_ids, question_ids)
    rows, cols, masks = cells
    choices[rows, cols] = masks
    return choices


_CELL = np.dtype([("ordinal", ">i4"), ("position", ">i4"), ("mask", ">i8")])
_POSTGRES_CELLS = """
    SELECT
      (SELECT array_agg(CAST(id AS text) ORDER BY id) FROM attempts
        WHERE delivery_id = %(delivery)s AND status = 'finished'),
      (SELECT string_agg(int4send(fin.ordinal) || int4send(eq.position)
                         || int8send(aq.answer_mask), ''::bytea)
         FROM attempt_questions AS aq
         JOIN (SELECT id, CAST(row_number() OVER (ORDER BY id) - 1 AS int4) AS ordinal
                 FROM attempts WHERE delivery_id = %(delivery)s AND status = 'finished') AS fin
           ON fin.id = aq.attempt_id
         JOIN exam_questions AS eq
           ON eq.exam_id = %(exam)s AND eq.question_id = aq.question_id
        WHERE aq.answer_mask <> 0)
"""


def _postgres_cells(
    session: Session,
    delivery_id: str,
    exam_id: str,
    attempt_ids: Sequence[str],
    positions: Sequence[int],
) -> tuple[IntArray, IntArray, IntArray]:
    """One statement, one snapshot: the finished attempts' ids in id order, and a 16-byte
    big-endian record per answered cell (ordinal in those ids, exam position, mask)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        # One pass over every answer of the delivery: compiling it costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_POSTGRES_CELLS, {"delivery": delivery_id, "exam": exam_id})
        fetched = cursor.fetchone()
    empty = np.zeros(0, dtype=np.int64)
    if fetched is None or fetched[0] is None or fetched[1] is None:
        return empty, empty, empty
    ids, packed = fetched
    cells = np.frombuffer(packed, dtype=_CELL)
    # The statement's attempt ordinals -> rows of the caller (-1: not in its list).
    row_of = {attempt_id: row for row, attempt_id in enumerate(attempt_ids)}
    ordinal_row = np.array([row_of.get(i, -1) for i in ids], dtype=np.int64)
    rows = ordinal_row[cells["ordinal"]]
    column_of = np.full(max(positions) + 1, -1, dtype=np.int64)
    column_of[np.asarray(positions, dtype=np.int64)] = np.arange(len(positions))
    position = cells["position"].astype(np.int64)
    inside = position < len(column_of)
    cols = np.where(inside, column_of[np.where(inside, position, 0)], -1)
    keep = (rows >= 0) & (cols >= 0)
    return rows[keep], cols[keep], cells["mask"][keep].astype(np.int64)


def _stored_cells(
    session: Session, delivery_id: str, attempt_ids: Sequence[str], question_ids: Sequence[str]
) -> tuple[IntArray, IntArray, IntArray]:
    statement = (
        select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.answer_mask)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.delivery_id == delivery_id, AttemptQuestion.answer_mask != 0)
    )
    fetched = session.execute(statement).all()
    empty = np.zeros(0, dtype=np.int64)
    if not fetched:
        return empty, empty, empty
    attempt_col, question_col, mask_col = (np.array(c) for c in zip(*fetched, strict=True))
    rows, row_found = _positions(attempt_ids, attempt_col)
    cols, col_found = _positions(question_ids, question_col)
    keep = row_found & col_found
    return rows[keep], cols[keep], mask_col[keep].astype(np.int64)


def _parsed_cells(
    session: Session,
    delivery_id: str,
    attempt_ids: Sequence[str],
    question_ids: Sequence[str],
    label_bits: Mapping[str, int],
) -> tuple[IntArray, IntArray, IntArray]:
    statement = (
        select(
            AttemptQuestion.attempt_id,
            AttemptQuestion.question_id,
            cast(AttemptQuestion.answer, Text),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.delivery_id == delivery_id)
    )
    fetched = session.execute(statement).all()
    empty = np.zeros(0, dtype=np.int64)
    if not fetched:
        return empty, empty, empty
    columns = zip(*fetched, strict=True)
    attempt_col, question_col, answer_col = (np.array(column) for column in columns)
    rows, row_found = _positions(attempt_ids, attempt_col)
    cols, col_found = _positions(question_ids, question_col)
    distinct, inverse = np.unique(answer_col, return_inverse=True)
    masks = np.array(
        [mask_of(json.loads(text) or [], label_bits) for text in distinct.tolist()], dtype=np.int64
    )[inverse.ravel()]
    keep = row_found & col_found & (masks != 0)
    return rows[keep], cols[keep], masks[keep]


def _positions(ids: Sequence[str], column: NDArray[Any]) -> tuple[IntArray, NDArray[np.bool_]]:
    """Index of each value of ``column`` in ``ids`` and whether it is there at all."""
    id_array = np.array(ids)
    order = np.argsort(id_array)
    ordered = id_array[order]
    at = np.clip(np.searchsorted(ordered, column), 0, len(ids) - 1)
    found: NDArray[np.bool_] = ordered[at] == column
    return order[at].astype(np.int64), found
