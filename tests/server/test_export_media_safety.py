"""Issue 13, finding 8: CSV cells a spreadsheet would run as formulas are quoted (also
behind white space and as full-width signs), and SVG is refused as exam media, whatever
it is called (declared type, name, or bytes)."""

from __future__ import annotations

import base64
import codecs
import csv
import gzip
import io
import unicodedata

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from medxam_server.services.results.csv_export import ATTEMPT_COLUMNS, attempts_csv
from medxam_server.services.results.delivery_results import AttemptResult
from tests.server.conftest import SignedIn
from tests.server.setup_api import assert_problem, import_exam, question

FORMULAS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    ' =HYPERLINK("http://x")',
    "  +1",
    "\n=1",
    "\r\n=1",
    "\t\t-1",
    "\u00a0=1",  # no-break space
    "\u3000=1",  # full-width space
    "\u200b=1",  # zero-width space
    "\ufeff=1",  # byte-order mark
    "\x0b=1",
    "＝1+1",  # full-width equals
    "＋1",
    "－1",
    "＠SUM(A1)",
    " ＝1",
    "\n＠x",
    "﹦1",  # small equals sign
    "⁼1",  # superscript equals
]
PLAIN = ["Ada Lovelace", " Ada", "\nAda", "A=B", "1-2", "１２", "O'Neil", "", "é=1"]


def _full_name_cell(text: str) -> str:
    attempt = AttemptResult(**(dict.fromkeys(ATTEMPT_COLUMNS) | {"full_name": text}))
    rows = list(csv.reader(io.StringIO(attempts_csv([attempt]), newline="")))
    return rows[1][ATTEMPT_COLUMNS.index("full_name")]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_starts_are_quoted(text: str) -> None:
    assert _full_name_cell(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_kept_as_is(text: str) -> None:
    assert _full_name_cell(text) == text


def _formula_start(text: str) -> bool:
    """Independently of the export: NFKC, leading white space and controls removed."""
    rest = unicodedata.normalize("NFKC", text)
    while rest and (rest[0].isspace() or unicodedata.category(rest[0]) in ("Cc", "Cf")):
        rest = rest[1:]
    return rest[:1] in ("=", "+", "-", "@")


@given(st.text(alphabet=st.sampled_from(" \t\r\n\u3000\u00a0\u200b=+-@＝＋－＠aZ1'"), max_size=8))
def test_any_text_is_quoted_when_it_could_start_a_formula(text: str) -> None:
    cell = _full_name_cell(text)
    quoted = cell != text
    assert not quoted or cell == "'" + text
    if _formula_start(text) or text.startswith(("\t", "\r")):
        assert quoted, repr(text)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
SVG_FORMS = {
    "plain": SVG,
    "xml declaration": b'<?xml version="1.0"?>\n' + SVG,
    "leading white space": b"\n\t  " + SVG,
    "utf-8 bom": codecs.BOM_UTF8 + SVG,
    "utf-16": codecs.BOM_UTF16_LE + SVG.decode().encode("utf-16-le"),
    "svgz": gzip.compress(SVG),
    "comment first": b"<!-- drawn by hand -->" + SVG,
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _import(client: TestClient, admin: SignedIn, media: dict[str, str]) -> object:
    document = {
        "title": "Anatomy",
        "duration_minutes": 30,
        "pass_score": 1,
        "questions": [question(["B"])],
        "media": [media],
    }
    return client.post("/api/exams/import", json=document, headers=admin.headers)


def test_import_refuses_svg_by_type_by_name_and_by_content(
    client: TestClient, admin: SignedIn
) -> None:
    cases = [
        {"name": "arm.svg", "content_type": "image/svg+xml", "data": _b64(SVG)},
        {"name": "arm.svg", "content_type": "image/png", "data": _b64(PNG)},
        *(
            {"name": "arm.png", "content_type": "image/png", "data": _b64(data)}
            for data in SVG_FORMS.values()
        ),
    ]
    for media in cases:
        body = assert_problem(_import(client, admin, media), 422)
        assert "SVG" in body["detail"] and "PNG" in body["detail"], body
        assert body["errors"][0]["loc"] == ["body", "media", 0]
    assert client.get("/api/exams", headers=admin.headers).json()["total"] == 0
    fine = {"name": "arm.png", "content_type": "image/png", "data": _b64(PNG)}
    assert _import(client, admin, fine).status_code == 201  # type: ignore[attr-defined]


@pytest.mark.parametrize("form", sorted(SVG_FORMS))
def test_media_upload_refuses_svg_sent_as_png(
    client: TestClient, admin: SignedIn, form: str
) -> None:
    exam = import_exam(client, admin)
    url = f"/api/exams/{exam['exam_id']}/media"
    headers = {**admin.headers, "Content-Type": "image/png"}
    body = assert_problem(
        client.put(f"{url}/arm.png", content=SVG_FORMS[form], headers=headers), 422
    )
    assert "SVG" in body["detail"]
    assert client.get(url, headers=admin.headers).json() == []


def test_media_upload_refuses_svg_by_type_and_by_name(client: TestClient, admin: SignedIn) -> None:
    exam = import_exam(client, admin)
    url = f"/api/exams/{exam['exam_id']}"
    svg_type = {**admin.headers, "Content-Type": "image/svg+xml"}
    assert_problem(client.put(f"{url}/media/arm.png", content=SVG, headers=svg_type), 422)
    png_type = {**admin.headers, "Content-Type": "image/png"}
    assert_problem(client.put(f"{url}/media/arm.svg", content=PNG, headers=png_type), 422)
    assert client.get(f"{url}/media", headers=admin.headers).json() == []
    assert client.get(url, headers=admin.headers).json()["version"] == 1
    assert client.put(f"{url}/media/arm.png", content=PNG, headers=png_type).status_code == 200
