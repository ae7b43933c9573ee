"""Load a delivery's stored answers as an attempts × items matrix of chosen-option masks.

Bit ``b`` of a cell is set when the answer includes the label with bit ``b``
(``label_bits``); 0 means omitted. A label that is none of the exam's options sets
``UNKNOWN_BIT``, so such an answer never equals a key. No Python work per answer row:

- PostgreSQL: the server computes each mask (``jsonb ? label``) and streams
  ``(attempt index, item index, mask)`` as a binary COPY, read with one ``np.frombuffer``;
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
from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion

log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]
UNKNOWN_BIT = 62
MAX_LABELS = UNKNOWN_BIT

_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00"
# One binary COPY tuple: field count, then (length, value) for int4, int4, int8.
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("attempt_len", ">i4"),
        ("attempt", ">i4"),
        ("item_len", ">i4"),
        ("item", ">i4"),
        ("mask_len", ">i4"),
        ("mask", ">i8"),
    ]
)


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
    attempt_ids: Sequence[str],
    question_ids: Sequence[str],
    label_bits: Mapping[str, int],
) -> IntArray:
    """The masks of ``attempt_ids`` (rows) × ``question_ids`` (columns); 0 where none."""
    choices = np.zeros((len(attempt_ids), len(question_ids)), dtype=np.int64)
    if not attempt_ids or not question_ids:
        return choices
    if session.get_bind().dialect.name == "postgresql":
        rows, cols, masks = _postgres_cells(session, attempt_ids, question_ids, label_bits)
    else:
        rows, cols, masks = _generic_cells(
            session, delivery_id, attempt_ids, question_ids, label_bits
        )
    choices[rows, cols] = masks
    return choices


def _postgres_cells(
    session: Session,
    attempt_ids: Sequence[str],
    question_ids: Sequence[str],
    label_bits: Mapping[str, int],
) -> tuple[IntArray, IntArray, IntArray]:
    params: dict[str, Any] = {"attempts": list(attempt_ids), "questions": list(question_ids)}
    terms = []
    for label, bit in label_bits.items():
        params[f"label{bit}"] = label
        terms.append(f"CASE WHEN aq.answer ? %(label{bit})s THEN {1 << bit}::int8 ELSE 0 END")
    # Only placeholders and integer constants are interpolated; labels are parameters.
    statement = f"""
        COPY (
            SELECT a.idx::int4, q.idx::int4,
                   m.mask + CASE WHEN jsonb_array_length(aq.answer) = bit_count(m.mask::bit(64))
                            THEN 0 ELSE (1::int8 << {UNKNOWN_BIT}) END
            FROM attempt_questions AS aq
            JOIN unnest(%(attempts)s::uuid[]) WITH ORDINALITY AS a(id, idx)
              ON aq.attempt_id = a.id
            JOIN unnest(%(questions)s::uuid[]) WITH ORDINALITY AS q(id, idx)
              ON aq.question_id = q.id
            CROSS JOIN LATERAL (SELECT ({" + ".join(terms) or "0"})::int8 AS mask) AS m
            WHERE aq.answer <> '[]'::jsonb
        ) TO STDOUT (FORMAT BINARY)
    """  # noqa: S608
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement, params) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    return _parse_binary_copy(data)


def _parse_binary_copy(data: bytes) -> tuple[IntArray, IntArray, IntArray]:
    if not data.startswith(_COPY_HEADER):
        raise ValueError("unexpected COPY output")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension : len(data) - 2]  # the trailer is int16 -1
    if len(body) % _COPY_ROW.itemsize:
        raise ValueError("unexpected COPY row size")
    rows = np.frombuffer(body, dtype=_COPY_ROW)
    if rows.size and (rows["fields"] != 3).any():
        raise ValueError("unexpected COPY field count")
    return (
        rows["attempt"].astype(np.int64) - 1,
        rows["item"].astype(np.int64) - 1,
        rows["mask"].astype(np.int64),
    )


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
