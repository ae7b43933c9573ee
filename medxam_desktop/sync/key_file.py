"""The workstation's signing key in a file, sealed once per proctor with their PIN.

For computers without a usable keyring (docs/operations.md, "USB bundle without a
keyring"). ``<data dir>/workstation-key.json``, mode 0600, holds the public key in the
clear and one *slot* per proctor: the 32-byte Ed25519 seed sealed with AES-GCM under
scrypt(PIN, salt). The associated data binds the workstation id, the proctor's user id
and the public key, so a slot cannot be moved to another proctor, workstation or key.
The seed and the PIN are never written or logged. The file is written to a temporary
file, flushed to the disk and renamed, so a power cut leaves the old file or the new.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from medxam_desktop.errors import KeyFileError

log = logging.getLogger(__name__)

KEY_FILE_NAME = "workstation-key.json"
FORMAT = "medxam-workstation-key"
VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # 32 MiB, about 0.1 s per PIN tried
MAX_N, MAX_R, MAX_P = 2**20, 16, 4  # what a file may ask for (never a memory bomb)
SEED_BYTES, SALT_BYTES, NONCE_BYTES = 32, 16, 12
FILE_MODE = 0o600


@dataclass(frozen=True, slots=True)
class Slot:
    """One proctor's sealed copy of the seed."""

    user_id: str
    salt: bytes
    nonce: bytes
    sealed: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P


@dataclass(frozen=True, slots=True)
class KeyFile:
    workstation_id: str
    public_key: str  # base64 of the raw 32 bytes, as registered with the server
    slots: tuple[Slot, ...] = ()

    def slot_of(self, user_id: str) -> Slot | None:
        return next((s for s in self.slots if s.user_id == user_id), None)

    def with_slot(self, slot: Slot) -> KeyFile:
        """This file with ``slot`` in place of the proctor's old one (or added)."""
        others = tuple(s for s in self.slots if s.user_id != slot.user_id)
        return replace(self, slots=(*others, slot))


def key_file_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE_NAME


def _associated(workstation_id: str, user_id: str, public_key: str) -> bytes:
    return f"{FORMAT}/{VERSION}\n{workstation_id}\n{user_id}\n{public_key}".encode()


def _pin_key(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(pin.encode())


def seal(seed: bytes, pin: str, *, workstation_id: str, user_id: str, public_key: str) -> Slot:
    """A new slot for ``user_id``: fresh salt and nonce, the seed sealed with the PIN."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    key = _pin_key(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    aad = _associated(workstation_id, user_id, public_key)
    return Slot(user_id, salt, nonce, AESGCM(key).encrypt(nonce, seed, aad))


def open_slot(slot: Slot, pin: str, *, workstation_id: str, public_key: str) -> bytes | None:
    """The seed, or None when ``pin`` is not the one the slot was sealed with."""
    key = _pin_key(pin, slot.salt, slot.n, slot.r, slot.p)
    aad = _associated(workstation_id, slot.user_id, public_key)
    try:
        seed = AESGCM(key).decrypt(slot.nonce, slot.sealed, aad)
    except InvalidTag:
        return None
    return seed if len(seed) == SEED_BYTES else None


def read_key_file(path: Path) -> KeyFile | None:
    """The file's contents, or None when there is no file; ``KeyFileError`` if damaged."""
    try:
        document = json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path} cannot be read.") from exc
    try:
        return _parse(document)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise KeyFileError(f"{path} is damaged.") from exc


def _parse(document: Any) -> KeyFile:
    if document["format"] != FORMAT or document["version"] != VERSION:
        raise ValueError("not a workstation key file of this version")
    slots = []
    for raw in document["slots"]:
        if raw["kdf"] != "scrypt":
            raise ValueError("unknown kdf")
        n, r, p = int(raw["n"]), int(raw["r"]), int(raw["p"])
        if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P):
            raise ValueError("scrypt parameters out of range")
        salt, nonce, sealed = _b64(raw["salt"]), _b64(raw["nonce"]), _b64(raw["sealed"])
        slots.append(Slot(str(raw["user_id"]), salt, nonce, sealed, n, r, p))
    public_key = str(document["public_key"])
    if len(_b64(public_key)) != 32:
        raise ValueError("public_key is not 32 bytes")
    return KeyFile(str(document["workstation_id"]), public_key, tuple(slots))


def _b64(value: Any) -> bytes:
    return base64.b64decode(str(value), validate=True)


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _slot_document(slot: Slot) -> dict[str, Any]:
    return {
        "user_id": slot.user_id,
        "kdf": "scrypt",
        "n": slot.n,
        "r": slot.r,
        "p": slot.p,
        "salt": _text(slot.salt),
        "nonce": _text(slot.nonce),
        "sealed": _text(slot.sealed),
    }


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Write the whole file: a 0600 temporary file, fsync, rename, fsync the folder."""
    path = Path(path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "workstation_id": key_file.workstation_id,
        "public_key": key_file.public_key,
        "slots": [_slot_document(s) for s in key_file.slots],
    }
    raw = json.dumps(document, indent=2, sort_keys=True).encode()
    temporary = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(FILE_MODE)  # whatever the umask said
        temporary.replace(path)
        _sync_folder(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise KeyFileError(f"{path} could not be written: {exc.strerror}") from exc
    log.info("workstation key file written (%d slot(s))", len(key_file.slots))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to flush."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
