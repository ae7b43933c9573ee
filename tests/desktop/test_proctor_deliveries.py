"""Which deliveries the proctor sees, in which order, and which one is picked for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from medxam_desktop.domain.package import PackageInfo, RosterEntry
from medxam_desktop.sync.wire import DeliverySummary
from medxam_desktop.ui.proctor.delivery_model import best_row, merge_rows

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def _delivery(ident: str, opens_in_h: float, *, hours: float = 3) -> DeliverySummary:
    opens = NOW + timedelta(hours=opens_in_h)
    return DeliverySummary(
        ident, f"Sitting {ident}", "exam", "group", opens, opens + timedelta(hours=hours), "Hall B"
    )


def _package(ident: str, candidates: int) -> PackageInfo:
    roster = tuple(RosterEntry(f"t{i}", f"C{i}", f"Name {i}") for i in range(candidates))
    return PackageInfo(ident, f"Sitting {ident}", "exam", "Anatomy 2", 90, 120, roster)


def test_server_and_workstation_rows_merge_by_delivery() -> None:
    rows = merge_rows(
        [_package("b", 40), _package("local-only", 12)],
        [_delivery("a", -30), _delivery("b", -1), _delivery("c", 2)],
    )
    assert [r.delivery_id for r in rows] == ["a", "b", "c", "local-only"]
    b = rows[1]
    assert b.on_server and b.on_workstation and b.candidate_count == 40
    assert b.exam_title == "Anatomy 2" and b.location == "Hall B"
    assert not rows[0].on_workstation and rows[3].on_workstation and not rows[3].on_server


def test_the_sitting_open_now_is_picked_then_the_next_one() -> None:
    rows = merge_rows([], [_delivery("past", -30), _delivery("now", -1), _delivery("soon", 2)])
    assert rows[best_row(rows, NOW)].delivery_id == "now"
    rows = merge_rows([], [_delivery("past", -30), _delivery("soon", 2), _delivery("later", 5)])
    assert rows[best_row(rows, NOW)].delivery_id == "soon"
    rows = merge_rows([_package("file", 3)], [])
    assert best_row(rows, NOW) == 0
