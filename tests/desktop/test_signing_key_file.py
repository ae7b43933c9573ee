"""The workstation's signing key in a file sealed with the proctors' PINs, on a computer
without a keyring (a failing backend registered through keyring's API), with a real
Store: made by the first PIN, opened by a proctor's own PIN only, a slot for a second
proctor only once the key was open, sealed again when a PIN changes, 0600, and neither
the seed nor a PIN in the file or the log."""

from __future__ import annotations

import base64
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import (
    CredentialStoreError,
    KeyFileError,
    SigningKeyLockedError,
    user_message,
)
from medxam_desktop.store import Store
from medxam_desktop.sync.bundle_export import export_bundle
from medxam_desktop.sync.credentials import load_workstation_key
from medxam_desktop.sync.key_file import read_key_file
from medxam_desktop.sync.key_unlock import (
    Unlock,
    key_file_for,
    public_key_for,
    signing_key_for,
    unlock_with_pin,
)
from medxam_desktop.sync.workstation_key import forget_unlocked_keys, public_key_b64
from tests.desktop.sample_exam import started_attempt
from tests.memory_keyring import InMemoryKeyring

PAT_PIN = "73915824"  # eight digits: nothing else in a file or a log contains it by chance
KIM_PIN = "64082719"
NEW_PIN = "58203967"
WRONG_PIN = "11119999"


@pytest.fixture
def store(tmp_path: Path, no_keyring: None) -> Iterator[Store]:
    opened = Store.open(tmp_path / "data" / "medxam.sqlite3")
    yield opened
    opened.close()


def _proctor(store: Store, username: str, full_name: str, pin: str) -> ProctorView:
    return store.proctors.set_pin(
        user_id=f"user-{username}", username=username, full_name=full_name, pin=pin
    )


def _seed_forms(seed: bytes) -> list[bytes]:
    return [seed, base64.b64encode(seed), base64.urlsafe_b64encode(seed), seed.hex().encode()]


def test_the_first_pin_makes_the_key_file_and_opens_it_again_after_a_restart(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    path = key_file_for(store)
    assert path == store.path.parent / "workstation-key.json" and not path.exists()

    made = unlock_with_pin(store, pat, PAT_PIN)
    assert made.outcome is Unlock.MADE and made.newly_open
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = signing_key_for(store)
    seed = key.private_bytes_raw()
    raw = path.read_bytes()
    for form in _seed_forms(seed):
        assert form not in raw
    assert PAT_PIN.encode() not in raw
    found = read_key_file(path)
    assert found is not None and found.workstation_id == store.workstation_id
    assert found.public_key == public_key_b64(key) == public_key_for(store)
    assert [s.user_id for s in found.slots] == [pat.user_id]
    assert not list(path.parent.glob("*.part"))

    forget_unlocked_keys()  # the program restarts: the key is locked again
    with pytest.raises(SigningKeyLockedError) as locked:
        signing_key_for(store)
    words = user_message(locked.value)
    assert "signing key is locked" in words and "Pat Proctor (pat)" in words
    assert public_key_for(store) == found.public_key  # registering needs no PIN

    opened = unlock_with_pin(store, pat, PAT_PIN)
    assert opened.outcome is Unlock.OPENED and opened.newly_open
    assert signing_key_for(store).private_bytes_raw() == seed
    assert path.read_bytes() == raw  # opening changes nothing in the file
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert PAT_PIN not in logged
    assert all(form.decode("latin-1") not in logged for form in _seed_forms(seed)[1:])
    assert "key file" in caplog.text


def test_a_wrong_pin_opens_nothing(store: Store) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    unlock_with_pin(store, pat, PAT_PIN)
    before = key_file_for(store).read_bytes()
    forget_unlocked_keys()
    store.add_pin_listener(lambda proctor, pin: unlock_with_pin(store, proctor, pin))
    assert store.proctors.verify("pat", WRONG_PIN) is None  # the store refuses it...
    with pytest.raises(SigningKeyLockedError):
        signing_key_for(store)  # ...so nothing was opened
    refused = unlock_with_pin(store, pat, WRONG_PIN)  # and the file alone refuses it too
    assert refused.outcome is Unlock.LOCKED and not refused.available
    with pytest.raises(SigningKeyLockedError):
        signing_key_for(store)
    assert key_file_for(store).read_bytes() == before


def test_a_second_proctor_gets_a_slot_only_once_the_key_was_open(store: Store) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    kim = _proctor(store, "kim", "Kim Lee", KIM_PIN)
    unlock_with_pin(store, pat, PAT_PIN)
    public_key = public_key_for(store)
    forget_unlocked_keys()
    before = key_file_for(store).read_bytes()

    locked = unlock_with_pin(store, kim, KIM_PIN)  # Kim's PIN is right, but has no slot
    assert locked.outcome is Unlock.LOCKED
    assert "Pat Proctor (pat)" in locked.words and "Kim" not in locked.words
    assert key_file_for(store).read_bytes() == before

    assert unlock_with_pin(store, pat, PAT_PIN).outcome is Unlock.OPENED
    added = unlock_with_pin(store, kim, KIM_PIN)
    assert added.outcome is Unlock.SLOT_ADDED and not added.newly_open
    found = read_key_file(key_file_for(store))
    assert found is not None
    assert sorted(s.user_id for s in found.slots) == [kim.user_id, pat.user_id]
    assert stat.S_IMODE(key_file_for(store).stat().st_mode) == 0o600
    raw = key_file_for(store).read_bytes()
    assert KIM_PIN.encode() not in raw and PAT_PIN.encode() not in raw

    forget_unlocked_keys()
    assert unlock_with_pin(store, kim, KIM_PIN).outcome is Unlock.OPENED  # Kim alone now
    assert public_key_for(store) == public_key
    with pytest.raises(SigningKeyLockedError):  # a further restart: locked again
        forget_unlocked_keys()
        signing_key_for(store)


def test_a_changed_pin_seals_the_slot_again(store: Store) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    unlock_with_pin(store, pat, PAT_PIN)
    seed = signing_key_for(store).private_bytes_raw()
    forget_unlocked_keys()
    # As in the window: every PIN the store proves is handed on, in order.
    store.add_pin_listener(lambda proctor, pin: unlock_with_pin(store, proctor, pin))
    store.proctors.change_pin(username="pat", current=PAT_PIN, new=NEW_PIN)
    assert signing_key_for(store).private_bytes_raw() == seed

    forget_unlocked_keys()
    stale = unlock_with_pin(store, pat, PAT_PIN)
    assert stale.outcome is Unlock.LOCKED  # the old PIN opens nothing any more
    assert unlock_with_pin(store, pat, NEW_PIN).outcome is Unlock.OPENED
    assert signing_key_for(store).private_bytes_raw() == seed
    assert NEW_PIN.encode() not in key_file_for(store).read_bytes()


def test_a_pin_replaced_while_the_key_was_locked_says_so_and_heals_once_open(
    store: Store,
) -> None:
    """A forgotten PIN replaced after a password sign-in: the slot still takes the old
    PIN; once another proctor has opened the key, the new PIN seals it again."""
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    kim = _proctor(store, "kim", "Kim Lee", KIM_PIN)
    unlock_with_pin(store, pat, PAT_PIN)
    unlock_with_pin(store, kim, KIM_PIN)
    forget_unlocked_keys()
    pat = _proctor(store, "pat", "Pat Proctor", NEW_PIN)  # no current PIN asked
    stale = unlock_with_pin(store, pat, NEW_PIN)
    assert stale.outcome is Unlock.LOCKED and "earlier PIN" in stale.words
    assert "Kim Lee (kim)" in stale.words and "Pat Proctor" not in stale.words
    unlock_with_pin(store, kim, KIM_PIN)
    assert unlock_with_pin(store, pat, NEW_PIN).outcome is Unlock.RESEALED
    forget_unlocked_keys()
    assert unlock_with_pin(store, pat, NEW_PIN).outcome is Unlock.OPENED


def test_a_locked_key_file_writes_no_bundle(store: Store, tmp_path: Path) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    started_attempt(store)
    unlock_with_pin(store, pat, PAT_PIN)
    forget_unlocked_keys()
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(SigningKeyLockedError):
        export_bundle(store, usb / "ws.medxam-bundle")
    assert list(usb.iterdir()) == []  # not even a .part file
    unlock_with_pin(store, pat, PAT_PIN)
    summary = export_bundle(store, usb / "ws.medxam-bundle")
    assert summary.path.exists() and summary.record_count > 0


def test_a_damaged_or_foreign_key_file_is_refused_and_never_overwritten(store: Store) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    path = key_file_for(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"format": "medxam-workstation-key", "version": 1}')
    with pytest.raises(KeyFileError):
        unlock_with_pin(store, pat, PAT_PIN)
    assert path.read_text() == '{"format": "medxam-workstation-key", "version": 1}'
    other = Store.open(store.path.parent / "other" / "medxam.sqlite3")
    try:
        _proctor(other, "pat", "Pat Proctor", PAT_PIN)
        unlock_with_pin(other, pat, PAT_PIN)
        path.write_bytes(key_file_for(other).read_bytes())  # another workstation's file
    finally:
        other.close()
    forget_unlocked_keys()
    with pytest.raises(KeyFileError) as refused:
        unlock_with_pin(store, pat, PAT_PIN)
    assert "another workstation" in str(refused.value)


def test_with_a_working_keyring_the_file_plays_no_part(tmp_path: Path) -> None:
    with Store.open(tmp_path / "medxam.sqlite3") as store:
        pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
        assert unlock_with_pin(store, pat, PAT_PIN).outcome is Unlock.KEYRING
        assert not key_file_for(store).exists()
        key = signing_key_for(store)  # made in the keyring, as before
        assert load_workstation_key(store.workstation_id) is not None
        assert unlock_with_pin(store, pat, PAT_PIN).outcome is Unlock.KEYRING
        assert signing_key_for(store).private_bytes_raw() == key.private_bytes_raw()


def test_a_keyring_that_works_again_keeps_the_key_from_the_file(store: Store) -> None:
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    unlock_with_pin(store, pat, PAT_PIN)
    seed = signing_key_for(store).private_bytes_raw()
    forget_unlocked_keys()
    keyring.set_keyring(InMemoryKeyring())  # e.g. the Secret Service was started
    with pytest.raises(SigningKeyLockedError):  # never a new key the server does not know
        signing_key_for(store)
    assert unlock_with_pin(store, pat, PAT_PIN).outcome is Unlock.OPENED
    assert signing_key_for(store).private_bytes_raw() == seed
    kept = load_workstation_key(store.workstation_id)
    assert kept is not None and base64.b64decode(kept) == seed
    forget_unlocked_keys()
    assert signing_key_for(store).private_bytes_raw() == seed  # from the keyring now


def test_a_key_file_that_cannot_be_written_leaves_no_key_open(store: Store) -> None:
    """Never sign (or register) with a key that no file keeps: it would be lost at the
    next restart while the server expects it."""
    pat = _proctor(store, "pat", "Pat Proctor", PAT_PIN)
    blocker = key_file_for(store).with_name("workstation-key.json.part")
    blocker.mkdir()  # the temporary file cannot be made (even as root)
    with pytest.raises(KeyFileError):
        unlock_with_pin(store, pat, PAT_PIN)
    assert not key_file_for(store).exists()
    with pytest.raises(CredentialStoreError) as missing:
        signing_key_for(store)
    assert not isinstance(missing.value, SigningKeyLockedError)
    blocker.rmdir()
    made = unlock_with_pin(store, pat, PAT_PIN)
    assert made.outcome is Unlock.MADE and made.newly_open  # nothing was left open
