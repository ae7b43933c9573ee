"""Exam media must be plain images (issue 13, finding 8): SVG and other markup refused.

An SVG can carry script and links, and exam media travel inside the offline package to
every workstation; a raster image cannot. So SVG is refused, whatever it is called: by
its declared type, by its name, and by its bytes (markup, or gzip as in ``.svgz``), so
an SVG sent as ``image/png`` under ``arm.png`` is refused too.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence

from medxam_server.services.errors import Invalid

SNIFF_BYTES = 4096
_MARKUP = re.compile(rb"<\s*(svg|html|script)\b", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
ADVICE = "Exam media must be PNG, JPEG, GIF or WebP images; convert the SVG to PNG."


def refusal(name: str, content_type: str, data: bytes) -> str | None:
    """Why this media file is refused, in plain words; None when it may be kept."""
    kind = content_type.lower()
    if "svg" in kind or "xml" in kind:
        return f"{name}: SVG and other XML images are not accepted. {ADVICE}"
    if name.lower().endswith((".svg", ".svgz")):
        return f"{name}: SVG files are not accepted. {ADVICE}"
    if data.startswith(b"\x1f\x8b"):
        return f"{name}: the file is gzip-compressed (as SVGZ is), not an image. {ADVICE}"
    if _is_markup(data[:SNIFF_BYTES]):
        return f"{name}: the file holds SVG or other markup, not an image. {ADVICE}"
    return None


def check_media(
    items: Sequence[tuple[str, str, bytes]], *, loc: Sequence[str | int], listed: bool = True
) -> None:
    """``Invalid`` (422) naming every refused file; ``loc`` is where the media are (a list
    of them, each error then adding the index, unless ``listed`` is false)."""
    errors = []
    for index, (name, content_type, data) in enumerate(items):
        reason = refusal(name, content_type, data)
        if reason is not None:
            errors.append({"loc": [*loc, index] if listed else list(loc), "msg": reason})
    if errors:
        raise Invalid(" ".join(str(e["msg"]) for e in errors[:3]), errors=errors)


def _is_markup(head: bytes) -> bool:
    """Text that begins with ``<`` (after a byte-order mark and white space: XML, SVG,
    HTML, a comment), or that opens an SVG, HTML or script element in its first bytes."""
    text = head
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, errors="ignore").encode()
            break
    else:
        if head[:1] == b"\x00" or head[1:2] == b"\x00":  # UTF-16 without a mark
            text = head.replace(b"\x00", b"")
    return text.lstrip(b" \t\r\n\f\v\x00").startswith(b"<") or bool(_MARKUP.search(text))
