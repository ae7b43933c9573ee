"""The one type of every time the online API accepts (issue 13, finding 6).

``ApiTime`` is pydantic's ``AwareDatetime`` (an explicit offset is required) inside the
window every server time lies in (``services.time_window``: 2000-01-01 to 9998-12-31 in
UTC, an offset of at most 14 hours). A time outside answers 422 problem+json like any
other bad field; before, the service's ``astimezone(UTC)`` overflowed for
9999-12-31T23:59:59-14:00 and the request answered 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from medxam_server.rules.time_window import (
    OFFSET_TEXT,
    WINDOW_TEXT,
    offset_in_use,
    within_window,
)


def _within_window(moment: datetime) -> datetime:
    if not within_window(moment):
        raise ValueError(f"the time must be {WINDOW_TEXT}")
    if not offset_in_use(moment):
        raise ValueError(f"the time must have {OFFSET_TEXT}")
    return moment


ApiTime = Annotated[AwareDatetime, AfterValidator(_within_window)]
