"""Tokens live in the keyring, one per server; no keyring is a clear error."""

from __future__ import annotations

import pytest

from medxam_desktop.errors import CredentialStoreError, user_message
from medxam_desktop.sync.credentials import SERVICE, CredentialStore
from tests.conftest import InMemoryKeyring


def test_a_token_is_kept_per_server(memory_keyring: InMemoryKeyring) -> None:
    first = CredentialStore("https://exams.example.org/")
    second = CredentialStore("http://127.0.0.1:8765")
    first.save_token("token-one")
    second.save_token("token-two")
    assert first.load_token() == "token-one"
    assert CredentialStore("https://exams.example.org").load_token() == "token-one"
    assert second.load_token() == "token-two"
    assert {service for service, _ in memory_keyring.items} == {SERVICE}
    assert "token-one" in memory_keyring.items.values()


def test_forgetting_a_token(memory_keyring: InMemoryKeyring) -> None:
    store = CredentialStore("http://server")
    assert store.load_token() is None
    store.forget_token()  # nothing there: not an error
    store.save_token("abc")
    store.forget_token()
    assert store.load_token() is None
    assert memory_keyring.items == {}


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize("action", ["save", "load", "forget"])
def test_no_keyring_backend_is_a_clear_error(action: str) -> None:
    store = CredentialStore("http://server")
    with pytest.raises(CredentialStoreError) as caught:
        if action == "save":
            store.save_token("secret-token")
        elif action == "load":
            store.load_token()
        else:
            store.forget_token()
    words = user_message(caught.value)
    assert "keyring" in words
    assert "docs/operations.md" in words
    assert "secret-token" not in words
