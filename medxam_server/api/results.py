"""``/api/deliveries/{delivery_id}/results`` and its CSV export (admins only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.api.results_schemas import DeliveryResults, results_json
from medxam_server.services.results import csv_export

if TYPE_CHECKING:
    from medxam_server.services.results.delivery_results import (
        DeliveryResults as DeliveryResultsData,
    )

router = APIRouter(prefix="/deliveries", tags=["results"])


@router.get(
    "/{delivery_id}/results",
    response_model=None,
    responses={200: {"model": DeliveryResults}, 404: {"description": "No such delivery"}},
)
def delivery_results(delivery_id: str, session: SessionDep, _admin: AdminDep) -> Response:
    """The results summary: statistics over finished attempts, items, attempts."""
    # Checked once against the model and written straight to JSON: with thousands of
    # attempts, FastAPI's response_model pass would validate and convert it all again.
    body = results_json(_summary(session, delivery_id))
    return Response(body, media_type="application/json")


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
        csv_export.attempts_csv(summary.attempts)
        if table == "attempts"
        else csv_export.items_csv(summary.items)
    )
    filename = f"results-{summary.delivery_id}-{table}.csv"
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _summary(session: Session, delivery_id: str) -> DeliveryResultsData:
    """The results service's summary. It is imported here, on the first results request:
    with it come NumPy and the statistics, which ingest never needs, so a server process
    that only ingests stays smaller (B7's server half)."""
    from medxam_server.services.results import delivery_results

    return delivery_results.delivery_results(session, delivery_id=delivery_id)
