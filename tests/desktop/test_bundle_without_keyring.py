"""A USB bundle on a computer without a keyring: nothing written, and words that say what
is missing (the workstation signing key) and what to do; the command line too."""

from __future__ import annotations

from pathlib import Path

import pytest

from medxam_desktop.__main__ import main
from medxam_desktop.errors import user_message
from medxam_desktop.store import Store
from medxam_desktop.sync.bundle_export import BundleKeyMissingError, export_bundle
from tests.desktop.sample_exam import started_attempt

OFFLINE = "http://127.0.0.1:9"


def test_export_says_the_signing_key_is_missing_and_writes_nothing(
    tmp_path: Path, no_keyring: None
) -> None:
    with Store.open(tmp_path / "store.sqlite3") as store:
        started_attempt(store)
        target = tmp_path / "usb" / "out.medxam-bundle"
        target.parent.mkdir()
        with pytest.raises(BundleKeyMissingError) as raised:
            export_bundle(store, target)
        words = user_message(raised.value)
        assert "signing key" in words and "keyring" in words
        assert "What to do" in words and "Nothing is lost" in words
        assert "sign-in" not in words and "bearer" not in words.casefold()
        assert list(target.parent.iterdir()) == []  # not even a .part file


def test_the_command_line_exits_with_the_same_words(
    tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = tmp_path / "desk"
    common = ["--server-url", OFFLINE, "--data-dir", str(desk)]
    assert main([*common, "export-bundle", str(tmp_path)]) == 5
    err = capsys.readouterr().err
    assert err.startswith("export-bundle: The USB bundle was not written")
    assert "signing key" in err and "docs/operations.md" in err
    assert list(tmp_path.glob("*.medxam-bundle")) == []
