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


def _key_entry(workstation_id: str) -> str:
    return f"workstation-key:{workstation_id}"


def load_workstation_key(workstation_id: str, *, service: str = SERVICE) -> str | None:
    """The workstation's bundle-signing private key (base64), or None if none was made."""
    try:
        value: str | None = keyring.get_password(service, _key_entry(workstation_id))
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from exc
    return value


def save_workstation_key(workstation_id: str, private_key: str, *, service: str = SERVICE) -> None:
    """Keep the bundle-signing private key (base64) in the keyring, never in a file."""
    try:
        keyring.set_password(service, _key_entry(workstation_id), private_key)
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from exc
    log.info("bundle signing key for this workstation kept in the keyring")


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
