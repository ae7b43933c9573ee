"""A 300-question exam with Markdown stems and images on a real Store, for the desktop
benchmarks (B2, B7) and the screenshot. Not a benchmark itself (no ``b<N>_`` prefix)."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from medxam_desktop.domain.content import ExamContent, parse_content
from medxam_desktop.domain.timing import Clock, SystemClock
from medxam_desktop.store import Store
from tests.desktop.sample_exam import DELIVERY_ID, TAKER_IDS, package_bytes, question_ids

QUESTIONS = 300
IMAGES = 12

STEM = """A {age}-year-old patient presents to the emergency department with **chest pain**
radiating to the left arm for {hours} hours. Vital signs: blood pressure {bp} mmHg,
heart rate {hr}/min, SpO₂ 96 % on room air.

Findings on examination:

- diaphoresis and pallor
- no murmurs; chest clear on auscultation
- *jugular venous pressure* not raised

{image}

| Marker | Result | Reference |
|---|---|---|
| Troponin T | {trop} ng/L | < 14 ng/L |
| Potassium | 4.{k} mmol/L | 3.5–5.1 mmol/L |

Which is the **most appropriate** next step in management?
"""

OPTIONS = (
    "Aspirin 300 mg orally and urgent referral for primary percutaneous coronary intervention",
    "Repeat the troponin in six hours before any treatment",
    "Intravenous furosemide 40 mg",
    "CT pulmonary angiography",
    "Discharge with outpatient exercise testing",
)


def ecg_png(seed: int, width: int = 640, height: int = 220) -> bytes:
    """An ECG-like trace, drawn with Qt (a real PNG of realistic size)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#fff7f7"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("#f2c4c4"), 1))
    for x in range(0, width, 16):
        painter.drawLine(x, 0, x, height)
    for y in range(0, height, 16):
        painter.drawLine(0, y, width, y)
    painter.setPen(QPen(QColor("#202020"), 2))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    points = []
    for x in range(width):
        phase = (x + seed * 7) % 120
        spike = -70 if phase == 40 else (35 if phase == 43 else 0)
        wave = 12 * math.sin(phase / 120 * 2 * math.pi) + spike
        points.append(QPointF(x, height / 2 + wave))
    painter.drawPolyline(points)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def content_document(question_count: int = QUESTIONS) -> dict[str, Any]:
    media = [
        {
            "name": f"ecg-{n}.png",
            "content_type": "image/png",
            "data": base64.b64encode(ecg_png(n)).decode(),
        }
        for n in range(IMAGES)
    ]
    questions = []
    for index, qid in enumerate(question_ids(question_count)):
        image = f"![ECG](media:ecg-{index % IMAGES}.png)" if index % 2 == 0 else ""
        stem = STEM.format(
            age=30 + index % 50, hours=1 + index % 9, bp=f"{110 + index % 40}/{70 + index % 20}",
            hr=60 + index % 60, image=image, trop=10 + index * 3 % 400, k=index % 9,
        )  # fmt: skip
        kind = "multiple" if index % 7 == 3 else "single"
        options = [
            {"label": label, "text": text} for label, text in zip("ABCDE", OPTIONS, strict=True)
        ]
        questions.append(
            {"id": qid, "position": index + 1, "type": kind, "stem": stem, "options": options}
        )
    return {
        "exam": {
            "id": "0f3c5d1a-2b4e-4f60-8a71-9b8c7d6e5f40",
            "title": "Cardiology block",
            "description": "Read each question carefully.",
            "duration_minutes": 180,
            "shuffle_questions": False,
            "shuffle_options": False,
        },
        "questions": questions,
        "media": media,
    }


@dataclass
class BenchExam:
    store: Store
    attempt_id: str
    content: ExamContent


def open_bench_exam(
    folder: Path, *, question_count: int = QUESTIONS, clock: Clock | None = None
) -> BenchExam:
    """A Store in ``folder`` with a started attempt, and the exam's content in memory."""
    store = Store.open(folder / "store.sqlite3", clock=clock or SystemClock())
    store.packages.save(package_bytes(question_count=question_count, duration_minutes=180))
    attempt = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by=None)
    store.attempts.start(attempt.id, by=None)
    raw = json.dumps(content_document(question_count)).encode("utf-8")
    return BenchExam(store, attempt.id, parse_content(raw))


def wait_until_idle(window: Any) -> None:
    """Every queued store call returned and its callback ran."""
    from PySide6.QtWidgets import QApplication

    from medxam_desktop.ui.tasks import wait_for_all

    while True:
        wait_for_all()
        QApplication.processEvents()
        if window.session.idle:
            return
