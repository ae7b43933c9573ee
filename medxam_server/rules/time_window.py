"""The times the server accepts, anywhere (sync records and the online API; issue 13,
findings 1 and 6): from 2000-01-01 to 9998-12-31 in UTC, with an offset of at most 14 h.

Any offset in use is fine, but the instant must fall in that window, so converting it to UTC
(or to any time zone) can never leave the years a ``datetime`` and PostgreSQL's
driver can hold: 9999-12-31T23:59:59-14:00 is year 10000 in UTC, 0001-01-01+14:00 is
year 0. Wider than any real exam on purpose: a workstation time is evidence only, and a
candidate's answers must not be refused because the workstation's clock was wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
WINDOW_TEXT = "between 2000-01-01 and 9998-12-31 (UTC)"
# The offsets in use on Earth run from -12:00 to +14:00. Python reads any offset below
# 24 hours, PostgreSQL none past 15:59: a record at +20:00 failed the COPY, and with it
# its whole batch, which the workstation then sent again and again.
MAX_OFFSET = timedelta(hours=14)
OFFSET_TEXT = "an offset between -14:00 and +14:00"


def within_window(moment: datetime) -> bool:
    """Whether a timezone-aware ``moment`` lies in the window (comparing aware times of
    different offsets never overflows, unlike ``astimezone``)."""
    return EARLIEST <= moment <= LATEST


def offset_in_use(moment: datetime) -> bool:
    """Whether a timezone-aware ``moment``'s offset is at most ``MAX_OFFSET`` either way."""
    offset = moment.utcoffset()
    return offset is not None and -MAX_OFFSET <= offset <= MAX_OFFSET
