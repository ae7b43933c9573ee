"""Bearer tokens in the system keyring: service "medxam-desktop", one entry per server URL.

A token is never written to a plain file. A machine with no usable keyring backend gets
``CredentialStoreError`` (the choice that follows is in docs/operations.md, "Keyring").
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from medxam_desktop.errors import CredentialStoreError

log = logging.getLogger(__name__)

SERVICE = "medxam-desktop"


def _entry(server_url: str) -> str:
    """The keyring user name for a server: its URL without a trailing slash."""
    return f"token:{server_url.rstrip('/')}"


class CredentialStore:
    """Save, load and forget the proctor's token for one server."""

    def __init__(self, server_url: str, *, service: str = SERVICE) -> None:
        self.server_url = server_url.rstrip("/")
        self.service = service

    def save_token(self, token: str) -> None:
        try:
            keyring.set_password(self.service, _entry(self.server_url), token)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc
        log.info("token for %s kept in the keyring", self.server_url)

    def load_token(self) -> str | None:
        try:
            token: str | None = keyring.get_password(self.service, _entry(self.server_url))
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc
        return token

    def forget_token(self) -> None:
        """Remove the token; forgetting one that is not there is not an error."""
        try:
            keyring.delete_password(self.service, _entry(self.server_url))
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc
        log.info("token for %s removed from the keyring", self.server_url)


def _unavailable(exc: keyring.errors.KeyringError) -> CredentialStoreError:
    backend = type(keyring.get_keyring()).__module__
    log.warning("keyring unusable (%s, backend %s)", type(exc).__name__, backend)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return CredentialStoreError(
            "No keyring backend is installed; you stay signed in only until the program closes."
        )
    return CredentialStoreError(
        "The keyring refused the request (is it locked?); you stay signed in only until "
        "the program closes."
    )
