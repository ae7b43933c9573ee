"""The question's stem: Markdown rendered to HTML, images served from the exam's media.

``![](media:NAME)`` in a stem becomes ``<img src="media:NAME">``; ``QuestionView``
answers those URLs from ``ExamContent.media`` (decoded once, then cached), so no file
and no network is ever touched. Rendered HTML is cached per question: moving back and
forth only swaps documents.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QImage, QPixmap, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from medxam_desktop.domain.content import Media

log = logging.getLogger(__name__)

MEDIA_SCHEME = "media"
MAX_IMAGE_WIDTH_PX = 720
_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
STEM_CSS = (
    "table { border-collapse: collapse; margin: 6px 0; }"
    " th, td { border: 1px solid #9aa6b5; padding: 3px 10px; }"
    " th { font-weight: bold; }"
)
_MEDIA_SRC = re.compile(r'src="media:([^"]+)"')


class StemRenderer:
    """Markdown to HTML, one converter reused (``reset`` between stems) and a cache."""

    def __init__(self) -> None:
        import markdown  # here, not at the top: it costs start-up time before an exam opens

        self._converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
        self._cache: dict[str, str] = {}

    def html(self, question_id: str, stem: str) -> str:
        cached = self._cache.get(question_id)
        if cached is None:
            cached = str(self._converter.reset().convert(stem))
            self._cache[question_id] = cached
        return cached


class MediaImages:
    """Decoded images by media name, scaled to fit the question view, as pixmaps."""

    def __init__(self, media: Mapping[str, Media]) -> None:
        self._media = media
        self._images: dict[str, QPixmap | None] = {}

    def image(self, name: str) -> QPixmap | None:
        if name in self._images:
            return self._images[name]
        self._images[name] = image = self._decode(name)
        return image

    def _decode(self, name: str) -> QPixmap | None:
        item = self._media.get(name)
        if item is None:
            log.warning("a stem refers to media %r, which the package does not hold", name)
            return None
        image = QImage.fromData(item.data)
        if image.isNull():
            log.warning("media %r (%s) could not be decoded", name, item.content_type)
            return None
        if image.width() > MAX_IMAGE_WIDTH_PX:
            image = image.scaledToWidth(MAX_IMAGE_WIDTH_PX)
        return QPixmap.fromImage(image)  # in the screen's format: cheap to paint again


class QuestionView(QTextBrowser):
    """A read-only view of one stem; links and external resources are never followed.

    Each stem becomes its own ``QTextDocument`` (images added as resources, laid out at
    the view's width), made ahead of time for the questions next to the one on screen
    (``prepare``), so moving between questions swaps documents instead of parsing HTML.
    """

    def __init__(self, media: Mapping[str, Media], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionStem")
        self.setAccessibleName("Question")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        # A scroll bar that comes and goes would re-lay out every long stem on arrival.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._renderer = StemRenderer()
        self._images = MediaImages(media)
        self._holder = QObject(self)  # owns the documents, so that swapping never deletes one
        self._documents: dict[str, tuple[QTextDocument, str]] = {}

    def show_stem(self, question_id: str, stem: str, *, heading: str) -> None:
        document, text = self._document(question_id, stem)
        if document.defaultFont() != self.font():
            document.setDefaultFont(self.font())
        self.setDocument(document)
        self.setAccessibleDescription(f"{heading}. {text}")
        self.verticalScrollBar().setValue(0)

    def prepare(self, question_id: str, stem: str) -> None:
        """Make the stem's document now (idle time), so that showing it later is cheap."""
        document, _ = self._document(question_id, stem)
        if document.defaultFont() != self.font():
            document.setDefaultFont(self.font())
        document.setTextWidth(self.viewport().width())
        document.size()  # lays it out

    def forget_documents(self) -> None:
        """Fonts changed (zoom): documents are made again on demand."""
        showing = self.document()
        for document, _ in self._documents.values():
            if document is not showing:
                document.deleteLater()
        self._documents.clear()

    def _document(self, question_id: str, stem: str) -> tuple[QTextDocument, str]:
        found = self._documents.get(question_id)
        if found is None:
            html = self._renderer.html(question_id, stem)
            document = QTextDocument(self._holder)
            document.setDefaultFont(self.font())
            document.setDocumentMargin(self.document().documentMargin())
            document.setDefaultStyleSheet(STEM_CSS)
            for name in dict.fromkeys(_MEDIA_SRC.findall(html)):
                image = self._images.image(name)
                if image is not None:
                    document.addResource(
                        QTextDocument.ResourceType.ImageResource.value,
                        QUrl(f"{MEDIA_SCHEME}:{name}"),
                        image,
                    )
            document.setHtml(html)
            found = (document, document.toPlainText())
            self._documents[question_id] = found
        return found

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 (Qt name)
        """Images from the package's media; nothing else is loaded."""
        qurl = url if isinstance(url, QUrl) else QUrl(url)
        if qurl.scheme() != MEDIA_SCHEME:
            return None
        if kind != QTextDocument.ResourceType.ImageResource.value:
            return None
        return self._images.image(qurl.path())
