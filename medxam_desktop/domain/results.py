"""What the admin's results console shows, as small frozen dataclasses (stdlib only).

Points (scores, penalties, totals, percentages, the summary's mean/median/SD/SEM and the
histogram's edges) are ``decimal.Decimal``: the server writes them as JSON numbers
rounded once to 6 decimals (docs/api.md "Conventions"), and the sync layer reads JSON
with ``parse_float=Decimal``, so what the console shows is exactly the server's digits.
Ratios and coefficients (p, pass rate, KR-20, point-biserial…) are ``float``.

Every ``from_json`` takes the decoded JSON object (floats or Decimals both work) and
raises ``ResultsFormatError`` (a ``ValueError``) when the shape is not the one in
docs/api.md; the sync layer turns that into words. Parsing is plain attribute work,
linear in the size of the answer: 10,000 attempts x 200 items parse in well under a
second, and it always runs off the UI thread (``ui/tasks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from medxam_desktop.domain.sync_status import SyncCompleteness, WorkstationSync

__all__ = [
    "AttemptRow",
    "DeliveriesSnapshot",
    "DeliveryListing",
    "DeliveryResults",
    "HistogramBin",
    "ItemStat",
    "OptionStat",
    "ResultsFormatError",
    "ResultsSnapshot",
    "ScoreSummary",
    "SyncCompleteness",
    "WorkstationSync",
    "optional_points",
    "optional_ratio",
    "optional_time",
    "points",
    "utc_time",
]


class ResultsFormatError(ValueError):
    """The server's answer does not have the shape docs/api.md describes."""


# --- value parsers (shared by every from_json) ------------------------------------------


def points(value: Any) -> Decimal:
    """A JSON number (int, float, Decimal) or numeric string as an exact ``Decimal``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ResultsFormatError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest form: the digits the server wrote
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ResultsFormatError(f"not a number: {value!r}") from exc
    raise ResultsFormatError(f"not a number: {value!r}")


def optional_points(value: Any) -> Decimal | None:
    return None if value is None else points(value)


def optional_ratio(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ResultsFormatError(f"not a number: {value!r}")
    return float(value)


def utc_time(value: Any) -> datetime:
    """An RFC 3339 time as an aware UTC datetime (a naive one is taken as UTC)."""
    if not isinstance(value, str):
        raise ResultsFormatError(f"not a time: {value!r}")
    moment = datetime.fromisoformat(value)  # Python 3.11+ reads a trailing Z
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def optional_time(value: Any) -> datetime | None:
    return None if value is None else utc_time(value)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ResultsFormatError(f"{what} is not a JSON object")
    return value


def _list(value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise ResultsFormatError(f"{what} is not a JSON list")
    return value


def optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- deliveries ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryListing:
    """A delivery as the admin's list shows it; ``sync`` once the server has told."""

    id: str
    title: str
    exam_id: str
    group_id: str
    opens_at: datetime
    closes_at: datetime
    location: str | None
    sync: SyncCompleteness | None = None

    @classmethod
    def from_json(cls, raw: Any) -> DeliveryListing:
        raw = _object(raw, "a delivery")
        try:
            return cls(
                id=str(raw["id"]),
                title=str(raw["title"]),
                exam_id=str(raw["exam_id"]),
                group_id=str(raw["group_id"]),
                opens_at=utc_time(raw["opens_at"]),
                closes_at=utc_time(raw["closes_at"]),
                location=optional_text(raw.get("location")) or None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultsFormatError(f"a delivery: {exc}") from exc

    def with_sync(self, sync: SyncCompleteness | None) -> DeliveryListing:
        return DeliveryListing(
            self.id,
            self.title,
            self.exam_id,
            self.group_id,
            self.opens_at,
            self.closes_at,
            self.location,
            sync,
        )


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Totals in ``[low, high)`` (the last regular bin also holds ``max_score``)."""

    low: Decimal
    high: Decimal
    count: int

    def holds(self, total: Decimal) -> bool:
        return self.low <= total < self.high


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """``summary`` of the results: statistics over the finished attempts only."""

    n: int
    in_progress: int
    terminated: int
    total_attempts: int
    item_count: int
    max_score: Decimal
    mean: Decimal | None
    median: Decimal | None
    min: Decimal | None
    max: Decimal | None
    sd: Decimal | None
    pass_score: Decimal
    pass_count: int
    pass_rate: float | None
    kr20: float | None
    kr20_ci95: tuple[float, float] | None
    kr21: float | None
    sem: Decimal | None
    histogram: tuple[HistogramBin, ...]

    @classmethod
    def from_json(cls, raw: Any) -> ScoreSummary:
        raw = _object(raw, "the summary")
        try:
            ci = raw.get("kr20_ci95")
            ci95 = None if ci is None else (float(ci[0]), float(ci[1]))
            bins = tuple(
                HistogramBin(points(b["from"]), points(b["to"]), int(b["count"]))
                for b in _list(raw["histogram"], "the histogram")
            )
            return cls(
                n=int(raw["n"]),
                in_progress=int(raw["in_progress"]),
                terminated=int(raw.get("terminated", 0)),
                total_attempts=int(raw["total_attempts"]),
                item_count=int(raw.get("item_count", 0)),
                max_score=points(raw["max_score"]),
                mean=optional_points(raw.get("mean")),
                median=optional_points(raw.get("median")),
                min=optional_points(raw.get("min")),
                max=optional_points(raw.get("max")),
                sd=optional_points(raw.get("sd")),
                pass_score=points(raw["pass_score"]),
                pass_count=int(raw["pass_count"]),
                pass_rate=optional_ratio(raw.get("pass_rate")),
                kr20=optional_ratio(raw.get("kr20")),
                kr20_ci95=ci95,
                kr21=optional_ratio(raw.get("kr21")),
                sem=optional_points(raw.get("sem")),
                histogram=bins,
            )
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise ResultsFormatError(f"the summary: {exc}") from exc

    def pass_bin(self) -> int | None:
        """Index of the histogram bin that holds the pass mark (None when none does)."""
        for index, item in enumerate(self.histogram):
            if item.holds(self.pass_score):
                return index
        if self.histogram and self.pass_score == self.histogram[-1].high:
            return len(self.histogram) - 1
        return None


@dataclass(frozen=True, slots=True)
class OptionStat:
    label: str
    is_key: bool
    count: int
    proportion: float | None
    upper_proportion: float | None
    lower_proportion: float | None


def _option(o: Any) -> OptionStat:
    return OptionStat(
        label=str(o["label"]),
        is_key=bool(o["is_key"]),
        count=int(o["count"]),
        proportion=optional_ratio(o["proportion"]),
        upper_proportion=optional_ratio(o["upper_proportion"]),
        lower_proportion=optional_ratio(o["lower_proportion"]),
    )


@dataclass(frozen=True, slots=True)
class ItemStat:
    """One question's analysis; ``flags`` are the server's codes (see ``results_text``)."""

    question_id: str
    position: int
    type: str
    key: tuple[str, ...]
    omitted: int
    p: float | None
    point_biserial: float | None
    point_biserial_corrected: float | None
    upper_p: float | None
    lower_p: float | None
    discrimination: float | None
    options: tuple[OptionStat, ...]
    flags: tuple[str, ...]

    @classmethod
    def from_json(cls, raw: Any) -> ItemStat:
        try:
            ratio = optional_ratio
            return cls(
                question_id=str(raw["question_id"]),
                position=int(raw["position"]),
                type=str(raw["type"]),
                key=tuple(str(k) for k in raw["key"]),
                omitted=int(raw["omitted"]),
                p=ratio(raw["p"]),
                point_biserial=ratio(raw["point_biserial"]),
                point_biserial_corrected=ratio(raw["point_biserial_corrected"]),
                upper_p=ratio(raw["upper_p"]),
                lower_p=ratio(raw["lower_p"]),
                discrimination=ratio(raw["discrimination"]),
                options=tuple(_option(o) for o in raw["options"]),
                flags=tuple(str(f) for f in raw["flags"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultsFormatError(f"an item: {exc}") from exc


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One row of the results' ``attempts[]``. ``receipt_code`` is ``None`` until the
    server lists it there (docs/api.md does not yet)."""

    attempt_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    status: str  # in_progress | finished | terminated
    score: Decimal | None
    penalty: Decimal | None
    total: Decimal | None
    percent: Decimal | None
    passed: bool | None
    finished_at: datetime | None
    integrity: str  # complete | incomplete | unverified
    receipt_code: str | None = None

    @classmethod
    def from_json(cls, raw: Any) -> AttemptRow:
        try:
            passed = raw["passed"]
            return cls(
                attempt_id=str(raw["attempt_id"]),
                taker_id=str(raw["taker_id"]),
                candidate_number=str(raw["candidate_number"]),
                full_name=str(raw["full_name"]),
                status=str(raw["status"]),
                score=optional_points(raw["score"]),
                penalty=optional_points(raw["penalty"]),
                total=optional_points(raw["total"]),
                percent=optional_points(raw["percent"]),
                passed=None if passed is None else bool(passed),
                finished_at=optional_time(raw["finished_at"]),
                integrity=str(raw.get("integrity") or "unverified"),
                receipt_code=optional_text(raw.get("receipt_code")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultsFormatError(f"an attempt: {exc}") from exc


@dataclass(frozen=True, slots=True)
class DeliveryResults:
    """``GET /api/deliveries/{id}/results``: summary, items in exam order, attempts."""

    delivery_id: str
    exam_id: str
    title: str
    summary: ScoreSummary
    items: tuple[ItemStat, ...]
    attempts: tuple[AttemptRow, ...]

    @classmethod
    def from_json(cls, raw: Any) -> DeliveryResults:
        raw = _object(raw, "the results")
        try:
            return cls(
                delivery_id=str(raw["delivery_id"]),
                exam_id=str(raw["exam_id"]),
                title=str(raw["title"]),
                summary=ScoreSummary.from_json(raw["summary"]),
                items=tuple(ItemStat.from_json(i) for i in _list(raw["items"], "items")),
                attempts=tuple(AttemptRow.from_json(a) for a in _list(raw["attempts"], "attempts")),
            )
        except KeyError as exc:
            raise ResultsFormatError(f"the results: no {exc}") from exc

    def attempt(self, attempt_id: str) -> AttemptRow | None:
        return next((a for a in self.attempts if a.attempt_id == attempt_id), None)


@dataclass(frozen=True, slots=True)
class ResultsSnapshot:
    """Results as the console shows them: fresh from the server, or the last ones kept on
    disk (``stale``) when the server cannot be reached; ``fetched_at`` says from when."""

    results: DeliveryResults
    fetched_at: datetime
    stale: bool = False
    problem: str = ""  # why they are stale, in plain words


@dataclass(frozen=True, slots=True)
class DeliveriesSnapshot:
    """The deliveries list, fresh or kept from ``fetched_at`` (``stale``)."""

    deliveries: tuple[DeliveryListing, ...]
    fetched_at: datetime
    stale: bool = False
    problem: str = ""
