"""Wire models of the results summary (API.md "Results") and the one pass that writes the
results service's ``DeliveryResults`` as their JSON."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

if TYPE_CHECKING:  # the route imports it on the first request: it brings NumPy (B7)
    from medxam_server.services.results import delivery_results as service


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class HistogramBin(_Out):
    from_: float = Field(alias="from", description="lower edge (inclusive), points")
    to: float = Field(description="upper edge (exclusive, except the bin ending at max_score)")
    count: int


class ResultsSummary(_Out):
    n: int = Field(description="finished attempts (the statistics use only these)")
    in_progress: int
    terminated: int
    total_attempts: int
    item_count: int
    max_score: float
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    sd: float | None = Field(description="sample SD (divisor N−1) of total")
    pass_score: float
    pass_count: int
    pass_rate: float | None
    kr20: float | None
    kr20_ci95: list[float] | None = Field(description="Feldt (1987) 95% interval [low, high]")
    kr21: float | None
    sem: float | None
    histogram: list[HistogramBin]


class OptionAnalysis(_Out):
    label: str
    is_key: bool
    count: int = Field(description="finished attempts whose answer includes the option")
    proportion: float | None
    upper_proportion: float | None
    lower_proportion: float | None


ItemFlag = Literal["too_hard", "too_easy", "low_discrimination", "possible_miskey"]


class ItemAnalysis(_Out):
    question_id: str
    position: int
    type: str
    key: list[str]
    omitted: int
    p: float | None
    point_biserial: float | None
    point_biserial_corrected: float | None
    upper_p: float | None
    lower_p: float | None
    discrimination: float | None
    options: list[OptionAnalysis]
    flags: list[ItemFlag]


class AttemptResult(_Out):
    attempt_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    status: Literal["in_progress", "finished", "terminated"]
    score: float | None
    penalty: float | None
    total: float | None
    percent: float | None
    passed: bool | None
    finished_at: datetime | None
    integrity: Literal["complete", "incomplete", "unverified"]
    receipt_code: str | None = Field(
        description="XXXX-XXXX, as the batch sync returned it for the attempt's finish; "
        "null while no attempt.finished is held"
    )


class DeliveryResults(_Out):
    delivery_id: str
    exam_id: str
    title: str
    summary: ResultsSummary
    items: list[ItemAnalysis]
    attempts: list[AttemptResult]


_RESULTS = TypeAdapter(DeliveryResults)


def results_json(results: service.DeliveryResults) -> bytes:
    """The summary checked once against ``DeliveryResults`` and written straight to JSON
    bytes. Items and attempts are read by attribute (``from_attributes``), so the
    thousands of attempt tuples need no dict each on the way."""
    summary = results.summary
    fields = (name for name in ResultsSummary.model_fields if name != "histogram")
    document: dict[str, Any] = {
        "delivery_id": results.delivery_id,
        "exam_id": results.exam_id,
        "title": results.title,
        "summary": {
            **{name: getattr(summary, name) for name in fields},
            "histogram": [
                {"from": b.start, "to": b.end, "count": b.count} for b in summary.histogram
            ],
        },
        "items": results.items,
        "attempts": results.attempts,
    }
    checked = _RESULTS.validate_python(document, from_attributes=True)
    return _RESULTS.dump_json(checked, by_alias=True)
