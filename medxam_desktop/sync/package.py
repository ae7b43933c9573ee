"""Opening an offline package's content with the start code, in memory only.

contracts.md: scrypt (n=2**14, r=8, p=1 as the package states) turns the start code's
UTF-8 bytes into a 32-byte key; AES-256-GCM with a 12-byte nonce and no associated data
decrypts; ``content_sha256`` must match the plaintext. The plaintext is parsed straight
into an ``ExamContent`` and never touches the disk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from medxam_desktop.domain.content import ExamContent, parse_content
from medxam_desktop.domain.package import PackageInfo, parse_package
from medxam_desktop.errors import ContentError

log = logging.getLogger(__name__)

START_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
START_CODE_LENGTH = 8
KEY_BYTES = 32
NONCE_BYTES = 12
# Bounds on what a package may ask of the KDF: enough for the contract's parameters,
# small enough that a hostile file cannot make the workstation swap.
MAX_SCRYPT_N = 2**20
MAX_SCRYPT_R = 32
MAX_SCRYPT_P = 16


class WrongStartCode(ContentError):
    """The start code does not open this package (or the package was altered)."""

    user_text = (
        "This start code does not open the exam. Check each character against the "
        "delivery sheet and type it again."
    )


class DamagedPackage(ContentError):
    """The package file is not a MedXam package, or it was damaged on the way."""

    user_text = "The exam package is damaged. Download it again or use another copy of the file."


def normalise_start_code(code: str) -> str:
    """Upper-cased, with spaces and dashes removed: "k7f3-9qx2" -> "K7F39QX2"."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def start_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a start code, in plain words; ``None`` if it could be one."""
    normal = normalise_start_code(code)
    wrong = sorted({ch for ch in normal if ch not in START_CODE_ALPHABET})
    if wrong:
        shown = ", ".join(wrong)
        return (
            f"A start code never contains {shown}. It uses the letters A–Z without I, L and O, "
            "and the digits 2–9."
        )
    if len(normal) != START_CODE_LENGTH:
        return f"A start code has {START_CODE_LENGTH} characters; this one has {len(normal)}."
    return None


def check_package(raw_package: bytes) -> PackageInfo:
    """The envelope of a downloaded or opened file; ``DamagedPackage`` if it is not one."""
    try:
        return parse_package(raw_package)
    except ContentError as exc:
        raise DamagedPackage(exc.detail) from exc


def decrypt_content(raw_package: bytes, start_code: str) -> ExamContent:
    """The exam content of ``raw_package``, opened with ``start_code``.

    ``WrongStartCode`` if the code does not open it, ``DamagedPackage`` if the file is
    not a well-formed package or its content does not match its checksum.
    """
    envelope = _envelope(raw_package)
    content = _field(envelope, "content", dict)
    if content.get("cipher") != "AES-256-GCM":
        raise DamagedPackage(f"unsupported cipher {content.get('cipher')!r}")
    kdf = _field(content, "kdf", dict)
    salt = _b64(kdf, "salt")
    nonce = _b64(content, "nonce")
    ciphertext = _b64(content, "ciphertext")
    if len(nonce) != NONCE_BYTES:
        raise DamagedPackage("the nonce must be 12 bytes")
    expected_sha256 = _field(envelope, "content_sha256", str).lower()
    key = derive_key(start_code, salt=salt, kdf=kdf)
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        log.info("start code did not open the package")
        raise WrongStartCode() from None
    if not hmac.compare_digest(hashlib.sha256(plaintext).hexdigest(), expected_sha256):
        raise DamagedPackage("the decrypted content does not match content_sha256")
    return parse_content(plaintext)


def derive_key(start_code: str, *, salt: bytes, kdf: dict[str, Any]) -> bytes:
    """The 32-byte AES key for ``start_code`` under the package's scrypt parameters."""
    if kdf.get("name") != "scrypt":
        raise DamagedPackage(f"unsupported key derivation {kdf.get('name')!r}")
    n, r, p = (_field(kdf, name, int) for name in ("n", "r", "p"))
    if (
        n < 2
        or n > MAX_SCRYPT_N
        or n & (n - 1)
        or not 1 <= r <= MAX_SCRYPT_R
        or not (1 <= p <= MAX_SCRYPT_P)
    ):
        raise DamagedPackage("the package asks for scrypt parameters out of range")
    code = normalise_start_code(start_code).encode("utf-8")
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(code)


def _envelope(raw_package: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw_package.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedPackage("the package is not UTF-8 JSON") from exc
    if not isinstance(document, dict):
        raise DamagedPackage("the package is not a JSON object")
    return document


def _field(data: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DamagedPackage(f"{key!r} is missing or of the wrong type")
    return value


def _b64(data: dict[str, Any], key: str) -> bytes:
    try:
        return base64.b64decode(_field(data, key, str), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DamagedPackage(f"{key!r} is not base64") from exc
