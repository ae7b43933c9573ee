"""``sync.json_chunks.loads`` answers exactly what ``json.loads`` answers, and gives the
GIL back while it decodes a big answer (what benchmark B8 needs of it)."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medxam_desktop.sync.json_chunks import loads

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.text(max_size=6), values | st.lists(values, max_size=6), max_size=6)
LAYOUTS: tuple[dict[str, Any], ...] = (
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"indent": "\t", "separators": (" , ", " : ")},
)


def expected(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


@settings(max_examples=300)
@given(documents, st.sampled_from(LAYOUTS), st.booleans())
def test_the_same_as_json_loads(
    document: dict[str, Any], layout: dict[str, Any], as_bytes: bool
) -> None:
    text = " \n" + json.dumps(document, **layout) + "\r\n"
    body: str | bytes = text.encode() if as_bytes else text
    assert loads(body) == expected(body)


@settings(max_examples=300)
@given(documents, st.data())
def test_broken_text_fails_exactly_when_json_loads_fails(
    document: dict[str, Any], data: st.DataObject
) -> None:
    text = json.dumps(document)
    cut = data.draw(st.integers(0, len(text)))
    extra = data.draw(st.sampled_from(["", ",", "]", "}", "x", " ", ":", "[", '"', "{}"]))
    broken = text[:cut] + extra + text[cut + 1 :]
    try:
        wanted = expected(broken)
    except ValueError:
        with pytest.raises(ValueError):
            loads(broken)
    else:
        assert loads(broken) == wanted


@pytest.mark.parametrize(
    "text", ["[1, 2.5]", '"x"', "3", "null", "{}", " {} ", '{"a": []}', '{"a": [ ]}']
)
def test_other_documents_and_edges(text: str) -> None:
    assert loads(text) == expected(text)
    assert loads(text.encode("utf-16")) == expected(text.encode("utf-16"))


@pytest.mark.parametrize("text", ["", "{", '{"a"', '{"a":', '{"a": [1,]}', '{"a": 1} x', "{,}"])
def test_malformed_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_numbers_keep_their_digits() -> None:
    assert loads('{"score": [41.5, 0.333333, 1e-05]}')["score"] == [
        Decimal("41.5"),
        Decimal("0.333333"),
        Decimal("1e-05"),
    ]


def test_another_thread_runs_while_a_big_answer_is_decoded() -> None:
    """The thread doing the decode lets a second thread in between array elements:
    with ``json.loads`` the second thread counts no ticks until the decode is over."""
    rows = [{"id": f"{n:08d}", "score": "1.5", "total": n / 7, "ok": True} for n in range(60_000)]
    body = json.dumps({"summary": {"n": 60_000}, "attempts": rows}).encode()
    ticks_during: list[int] = []

    def decode_counting(decode: Any) -> int:
        ticks = [0]
        stop = threading.Event()

        def ticker() -> None:
            while not stop.is_set():
                ticks[0] += 1
                time.sleep(0)

        started = threading.Event()

        def worker() -> None:
            started.wait()
            before = ticks[0]
            decode(body)
            ticks_during.append(ticks[0] - before)

        thread = threading.Thread(target=worker)
        tick_thread = threading.Thread(target=ticker)
        tick_thread.start()
        thread.start()
        started.set()
        thread.join()
        stop.set()
        tick_thread.join()
        return ticks_during.pop()

    assert decode_counting(loads) >= 3
