"""CSV exports of a results summary (``delivery_results.DeliveryResults``): the attempts
table and the item table.

Numbers are written with Python's shortest round-trip repr, so a CSV cell parses back to
exactly the value in the JSON summary; an undefined statistic is an empty cell.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the results module brings NumPy; an export needs only its values
    from medxam_server.services.results.delivery_results import AttemptResult, ItemResult

ATTEMPT_COLUMNS = (
    "attempt_id",
    "taker_id",
    "candidate_number",
    "full_name",
    "status",
    "score",
    "penalty",
    "total",
    "percent",
    "passed",
    "finished_at",
    "integrity",
    "receipt_code",
)
ITEM_COLUMNS = (
    "position",
    "question_id",
    "type",
    "key",
    "omitted",
    "p",
    "point_biserial",
    "point_biserial_corrected",
    "upper_p",
    "lower_p",
    "discrimination",
    "flags",
)
OPTION_FIELDS = ("count", "proportion", "upper_proportion", "lower_proportion")
TABLES = ("attempts", "items")
_FORMULA_STARTS = frozenset("=+-@")


def attempts_csv(attempts: Sequence[AttemptResult]) -> str:
    """One row per attempt, in the order of the summary's ``attempts`` list."""
    rows = ([getattr(attempt, column) for column in ATTEMPT_COLUMNS] for attempt in attempts)
    return _write(ATTEMPT_COLUMNS, rows)


def items_csv(items: Sequence[ItemResult]) -> str:
    """One row per item in exam order; per option label ``<label>_count``, ``_proportion``,
    ``_upper_proportion`` and ``_lower_proportion`` (empty where an item lacks that label).
    ``key`` and ``flags`` list labels and flags separated by ``;``."""
    labels: list[str] = []
    for item in items:
        for option in item.options:
            if option.label not in labels:
                labels.append(option.label)
    header = list(ITEM_COLUMNS) + [f"{label}_{f}" for label in labels for f in OPTION_FIELDS]
    rows = []
    for item in items:
        row = [getattr(item, column) for column in ITEM_COLUMNS]
        by_label = {option.label: option for option in item.options}
        for label in labels:
            found = by_label.get(label)
            row.extend(getattr(found, f) if found else None for f in OPTION_FIELDS)
        rows.append(row)
    return _write(header, rows)


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return _inert(";".join(str(part) for part in value))
    return _inert(value) if isinstance(value, str) else str(value)


def _inert(text: str) -> str:
    """Text a spreadsheet shows as text: a name like "=HYPERLINK(...)" must not run.

    Spreadsheets pass over leading white space (space, newline, tab, CR, full-width
    space) and read full-width signs (``＝ ＋ － ＠``) as formula starts; so leading white
    space and control characters are skipped and the first other character, NFKC
    normalised, is checked against ``= + - @``. A leading tab or CR is quoted anyway.
    """
    if text.startswith(("\t", "\r")):
        return "'" + text
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        if unicodedata.normalize("NFKC", char)[:1] in _FORMULA_STARTS:
            return "'" + text
        break
    return text
