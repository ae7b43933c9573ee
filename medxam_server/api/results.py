"""``/api/deliveries/{delivery_id}/results`` and its CSV export (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.services.results import csv_export as results_export

router = APIRouter(prefix="/deliveries", tags=["results"])


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


@router.get(
    "/{delivery_id}/results",
    response_model=None,
    responses={200: {"model": DeliveryResults}, 404: {"description": "No such delivery"}},
)
def delivery_results(delivery_id: str, session: SessionDep, _admin: AdminDep) -> Response:
    """The results summary: statistics over finished attempts, items, attempts."""
    # Checked once against the model and written straight to JSON: with thousands of
    # attempts, FastAPI's response_model pass would validate and convert it all again.
    summary = DeliveryResults.model_validate(_summary(session, delivery_id))
    return Response(summary.model_dump_json(by_alias=True), media_type="application/json")


@router.get(
    "/{delivery_id}/results.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the table as CSV"},
        404: {"description": "No such delivery"},
    },
)
def delivery_results_csv(
    delivery_id: str,
    session: SessionDep,
    _admin: AdminDep,
    table: Annotated[Literal["attempts", "items"], Query()] = "attempts",
) -> Response:
    """The attempts table or the item table of the results summary as CSV."""
    summary = _summary(session, delivery_id)
    body = (
        results_export.attempts_csv(summary)
        if table == "attempts"
        else results_export.items_csv(summary)
    )
    filename = f"results-{summary['delivery_id']}-{table}.csv"
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _summary(session: Session, delivery_id: str) -> dict[str, Any]:
    """The results service's summary. It is imported here, on the first results request:
    with it come NumPy and the statistics, which ingest never needs, so a server process
    that only ingests stays smaller (B7's server half)."""
    from medxam_server.services.results import delivery_results as results

    return results.delivery_results(session, delivery_id=delivery_id)
