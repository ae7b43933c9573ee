"""``json.loads`` for big answers, decoded on a worker thread without starving the UI.

``json.loads`` decodes a whole document in one call into C that never gives up the GIL
(``parse_float=Decimal`` included: ``Decimal`` is a C type), so while a worker thread
decodes the results of 10,000 attempts (3.4 MB, ~90-190 ms here) the UI thread cannot
run at all (benchmark B8 measured 88 ms blocks). ``loads`` walks a top-level object
itself and decodes each element of its top-level arrays with its own short call, so
the interpreter can switch threads between elements; the result is exactly
``json.loads``'s, and malformed text is a ``ValueError`` (``json.JSONDecodeError``) too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_BLANKS = frozenset(" \t\n\r")
_MARKS = frozenset(",]")


def loads(body: bytes | str, *, parse_float: Callable[[str], Any] = Decimal) -> Any:
    """``json.loads(body, parse_float=parse_float)``, one array element at a time."""
    text = (
        body if isinstance(body, str) else body.decode(json.detect_encoding(body), "surrogatepass")
    )
    decoder = json.JSONDecoder(parse_float=parse_float)
    at = _skip(text, 0)
    if not text.startswith("{", at):
        return decoder.decode(text)
    found: dict[str, Any] = {}
    at = _skip(text, at + 1)
    if text.startswith("}", at):
        return _end(text, at + 1, found)
    while True:
        if not text.startswith('"', at):
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, at
            )
        key, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        if text.startswith("[", at):
            found[key], at = _array(decoder, text, at + 1)
        else:
            found[key], at = _value(decoder, text, at)
        at = _skip(text, at)
        if text.startswith("}", at):
            return _end(text, at + 1, found)
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def _array(decoder: json.JSONDecoder, text: str, at: int) -> tuple[list[Any], int]:
    """The array whose ``[`` is just before ``at``: one scanner call per element (the
    loop is kept tight: it runs once per attempt of the results)."""
    items: list[Any] = []
    append, scan = items.append, decoder.scan_once  # type: ignore[attr-defined]
    at = _skip(text, at)
    if text.startswith("]", at):
        return items, at + 1
    while True:
        try:
            item, at = scan(text, at)
        except StopIteration as stop:
            raise json.JSONDecodeError("Expecting value", text, stop.value) from None
        append(item)
        mark = text[at : at + 1]
        if mark not in _MARKS:
            at = _skip(text, at)
            mark = text[at : at + 1]
        if mark == "]":
            return items, at + 1
        if mark != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at += 1
        if text[at : at + 1] in _BLANKS:
            at = _skip(text, at)


def _value(decoder: json.JSONDecoder, text: str, at: int) -> tuple[Any, int]:
    try:
        value, end = decoder.scan_once(text, at)  # type: ignore[attr-defined]
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    return value, end


def _skip(text: str, at: int) -> int:
    match = _SPACE.match(text, at)
    return match.end() if match else at


def _end(text: str, at: int, found: dict[str, Any]) -> dict[str, Any]:
    at = _skip(text, at)
    if at != len(text):
        raise json.JSONDecodeError("Extra data", text, at)
    return found
