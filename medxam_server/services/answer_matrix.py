"""Load a delivery's stored answers as an attempts × items matrix of chosen-option masks.

Bit ``b`` of a cell is set when the answer includes the label with bit ``b``
(``label_bits``); 0 means omitted. A label that is none of the exam's options sets
``UNKNOWN_BIT``, so such an answer never equals a key. No Python work per answer row:

- PostgreSQL: the server computes each mask (``jsonb ? label``), packs it with the
  attempt and item into one int8 and returns them all as one array (binary wire format),
  read with one ``np.frombuffer``;
- other databases (SQLite): the columns are fetched once, ids are mapped with
  ``np.searchsorted`` and each distinct answer text is parsed once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion

log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]
UNKNOWN_BIT = 62
LABEL_BITS = 26  # labels an exam may use (bits 0..25); PostgreSQL packs masks in 26 bits
MAX_LABELS = LABEL_BITS


def label_bit_map(option_labels: Sequence[Sequence[str]]) -> dict[str, int]:
    """A bit for every label used by the exam's options, in order of first appearance."""
    bits: dict[str, int] = {}
    for labels in option_labels:
        for label in labels:
            bits.setdefault(label, len(bits))
    if len(bits) > MAX_LABELS:
        raise ValueError(f"an exam may use at most {MAX_LABELS} distinct option labels")
    return bits


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
) -> IntArray:
    """The masks of ``attempt_ids`` (rows, finished attempts of the delivery) × the exam's
    questions (columns: ``question_ids`` at exam ``positions``); 0 where none."""
    choices = np.zeros((len(attempt_ids), len(question_ids)), dtype=np.int64)
    if not attempt_ids or not question_ids:
        return choices
    if session.get_bind().dialect.name == "postgresql":
        rows, cols, masks = _postgres_cells(
            session, delivery_id, exam_id, attempt_ids, positions, label_bits
        )
    else:
        rows, cols, masks = _generic_cells(
            session, delivery_id, attempt_ids, question_ids, label_bits
        )
    choices[rows, cols] = masks
    return choices


class _RawBinary(Loader):
    """Hands over an array column's binary wire format untouched, for ``np.frombuffer``."""

    format = pq.Format.BINARY

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


_INT8_ARRAY_OID = 1016
_ARRAY_HEADER_BYTES = 20  # ndim, has-null flag, element type, length, lower bound
_ARRAY_ITEM = np.dtype([("length", ">i4"), ("value", ">i8")])


def _postgres_cells(
    session: Session,
    delivery_id: str,
    exam_id: str,
    attempt_ids: Sequence[str],
    positions: Sequence[int],
    label_bits: Mapping[str, int],
) -> tuple[IntArray, IntArray, IntArray]:
    """One statement (one snapshot), one scalar ``array_agg`` of packed int8 values:

    ``(attempt ordinal · P + exam position) << 32 | answer length << 26 | mask``

    read with one ``np.frombuffer``, with the ordered ids of the finished attempts it used.
    """
    stride = max(positions) + 1
    params: dict[str, Any] = {"delivery": delivery_id, "exam": exam_id}
    terms = []
    for label, bit in label_bits.items():
        params[f"label{bit}"] = label
        terms.append(f"CASE WHEN aq.answer ? %(label{bit})s THEN {1 << bit} ELSE 0 END")
    # Only placeholders and integer constants are interpolated; labels are parameters.
    statement = f"""
        SELECT
          (SELECT array_agg(id ORDER BY id) FROM attempts
            WHERE delivery_id = %(delivery)s AND status = 'finished'),
          (SELECT array_agg(((fin.ordinal * {stride} + eq.position) << 32)
                            | (LEAST(jsonb_array_length(aq.answer), 63)::int8 << {LABEL_BITS})
                            | ({" + ".join(terms) or "0"}))
             FROM attempt_questions AS aq
             JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS ordinal FROM attempts
                    WHERE delivery_id = %(delivery)s AND status = 'finished') AS fin
               ON fin.id = aq.attempt_id
             JOIN exam_questions AS eq
               ON eq.exam_id = %(exam)s AND eq.question_id = aq.question_id)
    """  # noqa: S608
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.adapters.register_loader(_INT8_ARRAY_OID, _RawBinary)
        cursor.execute(statement, params)
        fetched = cursor.fetchone()
    empty = np.zeros(0, dtype=np.int64)
    if fetched is None or fetched[0] is None or fetched[1] is None:
        return empty, empty, empty
    ids, packed_bytes = fetched
    packed = np.frombuffer(packed_bytes, dtype=_ARRAY_ITEM, offset=_ARRAY_HEADER_BYTES)
    values = packed["value"].astype(np.int64)
    # The statement's attempt ordinals -> rows of the caller (-1: not in its list).
    row_of = {attempt_id: row for row, attempt_id in enumerate(attempt_ids)}
    ordinal_row = np.array([row_of.get(str(i), -1) for i in ids], dtype=np.int64)
    column_of = np.full(stride, -1, dtype=np.int64)
    column_of[np.asarray(positions, dtype=np.int64)] = np.arange(len(positions))
    cell = values >> 32
    rows = ordinal_row[cell // stride]
    cols = column_of[cell % stride]
    masks = values & ((1 << LABEL_BITS) - 1)
    lengths = (values >> LABEL_BITS) & 63
    masks = np.where(np.bitwise_count(masks) == lengths, masks, masks | (1 << UNKNOWN_BIT))
    keep = (rows >= 0) & (cols >= 0) & (lengths > 0)
    return rows[keep], cols[keep], masks[keep]


def _generic_cells(
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
            type_coerce(AttemptQuestion.answer, Text),
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
