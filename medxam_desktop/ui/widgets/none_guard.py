"""Keep ``None``, ``True`` and ``False`` alive under PySide6 6.12 on Python 3.11.

PySide6 6.12.0 (abi3 wheel) returns ``None`` from every void method (``setText``,
``QPainter.save``, ``QModelIndex.data`` of an empty role, ...) without taking a reference,
as if ``None`` were immortal, which it is only from Python 3.12 on (PEP 683). On 3.11
each such call drops one reference, and after a few thousand calls the interpreter
aborts with "none_dealloc: deallocating None". ``guard_none_refcount`` gives ``None`` a
reference count so large that it can never reach zero: what 3.12 does by design. The
same holds for ``True`` and ``False`` (returned by ``isChecked()``, event filters, ...).
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_LOW_WATER = 1 << 40
_RESERVE = 1 << 50


def guard_none_refcount() -> bool:
    """Top the reference counts of None, True and False up (CPython < 3.12 only).

    Idempotent and cheap: call it once at start-up, before the first window."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    topped = False
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < _LOW_WATER:
            refcount.value += _RESERVE
            topped = True
    if topped:
        log.debug("None/True/False made effectively immortal (PySide6 reference bug)")
    return topped
