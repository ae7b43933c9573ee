"""A proctor's proven PIN opens, makes or joins the workstation's key file.

``unlock_with_pin`` runs after every successful PIN check on this workstation (the UI
through ``SigningKeyUnlocker``, the command line directly), off the UI thread: scrypt
takes about 0.1 s. With a key in the keyring it does nothing. Otherwise, in order:

- no key file: a new key is made, sealed for this proctor, and kept open in memory;
- the proctor's slot opens with the PIN: the key is open for the rest of the run;
- the key is open in memory: the proctor gets a slot, or their slot (sealed with an
  earlier PIN) is sealed again with this one (the PIN was changed);
- else the key stays locked, and the words say whose PIN opens it.

The key file lives beside the store, in the data directory (``store.path.parent``), so
every caller that holds the store finds the same file.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import CredentialStoreError, KeyFileError, SigningKeyLockedError
from medxam_desktop.sync.credentials import load_workstation_key
from medxam_desktop.sync.key_file import (
    KeyFile,
    key_file_path,
    open_slot,
    read_key_file,
    seal,
    write_key_file,
)
from medxam_desktop.sync.workstation_key import (
    forget_unlocked,
    keep_unlocked,
    public_key_b64,
    signing_key,
    unlocked_key,
)

if TYPE_CHECKING:
    from medxam_desktop.store import Store

log = logging.getLogger(__name__)

_file_lock = threading.Lock()  # one read-change-write of the key file at a time


class Unlock(StrEnum):
    KEYRING = "keyring"  # the keyring holds the key (or will): the file plays no part
    MADE = "made"  # there was no key: made now, sealed for this proctor
    OPENED = "opened"  # this proctor's slot opened it
    SLOT_ADDED = "slot added"  # it was open: this proctor got a slot
    RESEALED = "resealed"  # it was open: this proctor's slot now takes their new PIN
    LOCKED = "locked"  # this PIN opens nothing here


@dataclass(frozen=True, slots=True)
class UnlockResult:
    outcome: Unlock
    newly_open: bool = False  # the key was locked (or missing) before this PIN
    words: str = ""  # for LOCKED: why, and whose PIN opens it

    @property
    def available(self) -> bool:
        return self.outcome is not Unlock.LOCKED


def key_file_for(store: Store) -> Path:
    return key_file_path(store.path.parent)


def signing_key_for(store: Store) -> Ed25519PrivateKey:
    """``signing_key`` with the store's key file; a locked key's error names the proctors
    whose PIN opens it."""
    try:
        return signing_key(store.workstation_id, key_file=key_file_for(store))
    except SigningKeyLockedError as exc:
        detail = who_opens(store, exc.user_ids)
        raise SigningKeyLockedError(detail, user_ids=exc.user_ids) from exc


def public_key_for(store: Store) -> str:
    """The public key to register: the open key's, or the key file's while it is locked
    (registering needs no PIN). ``CredentialStoreError`` when there is no key at all."""
    try:
        return public_key_b64(signing_key_for(store))
    except SigningKeyLockedError:
        found = read_key_file(key_file_for(store))
        if found is None:
            raise
        return found.public_key


def who_opens(store: Store, user_ids: tuple[str, ...]) -> str:
    if not user_ids:
        return "No proctor has a PIN that opens it yet."
    names = {p.user_id: p.label for p in store.proctors.known()}
    known = [names[u] for u in user_ids if u in names]
    unknown = len(user_ids) - len(known)
    if unknown:
        known.append(f"{unknown} proctor(s) without a PIN on this workstation any more")
    return "Proctors whose PIN opens it: " + ", ".join(known) + "."


def unlock_with_pin(store: Store, proctor: ProctorView, pin: str) -> UnlockResult:
    """After the store has checked ``pin`` as ``proctor``'s own (see the module)."""
    workstation_id = store.workstation_id
    try:
        if load_workstation_key(workstation_id) is not None:
            return UnlockResult(Unlock.KEYRING)
        keyring_works = True
    except CredentialStoreError:
        keyring_works = False
    path = key_file_for(store)
    with _file_lock:
        found = read_key_file(path)
        if found is None:
            if keyring_works:  # the keyring makes and keeps the key when it is needed
                return UnlockResult(Unlock.KEYRING)
            return _make(path, workstation_id, proctor, pin)
        if found.workstation_id != workstation_id:
            raise KeyFileError(f"{path} belongs to another workstation.")
        return _open_or_seal(store, path, found, proctor, pin)


def _make(path: Path, workstation_id: str, proctor: ProctorView, pin: str) -> UnlockResult:
    key = unlocked_key(workstation_id)  # the file was removed while the key was open
    newly = key is None
    key = key or Ed25519PrivateKey.generate()
    public_key = public_key_b64(key)
    slot = seal(
        key.private_bytes_raw(), pin,
        workstation_id=workstation_id, user_id=proctor.user_id, public_key=public_key,
    )  # fmt: skip
    keep_unlocked(workstation_id, key)  # first: whoever sees the file finds the key open
    try:
        write_key_file(path, KeyFile(workstation_id, public_key, (slot,)))
    except KeyFileError:
        if newly:  # never sign with a key that no file keeps
            forget_unlocked(workstation_id)
        raise
    log.info("workstation key file made, sealed for proctor %s", proctor.user_id)
    return UnlockResult(Unlock.MADE, newly_open=newly)


def _open_or_seal(
    store: Store, path: Path, found: KeyFile, proctor: ProctorView, pin: str
) -> UnlockResult:
    workstation_id, public_key = found.workstation_id, found.public_key
    key = unlocked_key(workstation_id)
    slot = found.slot_of(proctor.user_id)
    if slot is not None:
        seed = open_slot(slot, pin, workstation_id=workstation_id, public_key=public_key)
        if seed is not None:
            opened = Ed25519PrivateKey.from_private_bytes(seed)
            if public_key_b64(opened) != public_key:
                raise KeyFileError(f"{path} is damaged (its key does not match).")
            keep_unlocked(workstation_id, opened)
            log.info("workstation key opened by proctor %s", proctor.user_id)
            return UnlockResult(Unlock.OPENED, newly_open=key is None)
    if key is None:
        log.info("workstation key stays locked: no slot of proctor %s opens", proctor.user_id)
        words = _locked_words(store, found, proctor.user_id, stale=slot is not None)
        return UnlockResult(Unlock.LOCKED, words=words)
    if public_key_b64(key) != public_key:
        raise KeyFileError(f"{path} holds another key than the one open in this run.")
    fresh = seal(
        key.private_bytes_raw(), pin,
        workstation_id=workstation_id, user_id=proctor.user_id, public_key=public_key,
    )  # fmt: skip
    write_key_file(path, found.with_slot(fresh))
    outcome = Unlock.SLOT_ADDED if slot is None else Unlock.RESEALED
    log.info("workstation key file: %s for proctor %s", outcome.value, proctor.user_id)
    return UnlockResult(outcome)


def _locked_words(store: Store, found: KeyFile, user_id: str, *, stale: bool) -> str:
    why = (
        "Your PIN does not open this workstation's signing key: your share of it was sealed "
        "with an earlier PIN of yours, and takes your new PIN once another proctor has "
        "unlocked the key in this run."
        if stale
        else "Your PIN does not open this workstation's signing key yet: you get a share of "
        "it once it has been unlocked in this run."
    )
    others = tuple(s.user_id for s in found.slots if s.user_id != user_id)
    return f"{why} {who_opens(store, others)}"
