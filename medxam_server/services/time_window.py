"""The times the server accepts, anywhere (sync records and the online API; issue 13,
findings 1 and 6): from 2000-01-01 to 9998-12-31 in UTC.

Any offset is fine, but the instant must fall in that window, so converting it to UTC
(or to any time zone) can never leave the years a ``datetime`` and PostgreSQL's
driver can hold: 9999-12-31T23:59:59-14:00 is year 10000 in UTC, 0001-01-01+14:00 is
year 0. Wider than any real exam on purpose: a workstation time is evidence only, and a
candidate's answers must not be refused because the workstation's clock was wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
WINDOW_TEXT = "between 2000-01-01 and 9998-12-31 (UTC)"


def within_window(moment: datetime) -> bool:
    """Whether a timezone-aware ``moment`` lies in the window (comparing aware times of
    different offsets never overflows, unlike ``astimezone``)."""
    return EARLIEST <= moment <= LATEST
