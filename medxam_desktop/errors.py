"""The client's one exception tree, and the one place that puts errors into words.

Foreign exceptions (httpx, SQLAlchemy, keyring, OS errors) are translated into these at
the boundary of the layer that meets them; the UI shows ``user_message(error)``.
"""

from __future__ import annotations


class MedXamError(Exception):
    """Base of every error the client raises on purpose."""

    user_text = "Something went wrong."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.user_text)
        self.detail = detail


class StoreError(MedXamError):
    """The local store could not be read or written."""

    user_text = "This workstation could not save to its disk. Please call the proctor."


class StoreWriteError(StoreError):
    """A write failed (disk full, read-only, locked): nothing was saved."""

    user_text = (
        "Your last answer was NOT saved: the workstation cannot write to its disk. "
        "Please call the proctor."
    )


class LifecycleError(MedXamError):
    """An attempt cannot do that now (e.g. resume one that is not paused)."""

    user_text = "That cannot be done with this attempt right now."


class ContentError(MedXamError):
    """An exam package is damaged, or the start code does not open it."""

    user_text = "The exam could not be opened. Check the start code and try again."


class SyncError(MedXamError):
    """Talking to the server failed."""

    user_text = "The server could not be reached. Work continues offline."


class OfflineError(SyncError):
    """The server is unreachable (network down, timeout)."""


class AuthError(SyncError):
    """The server refused the credentials: sign in again."""

    user_text = "Please sign in again."


class ServerRejectedError(SyncError):
    """The server answered with an error that retrying will not fix."""

    user_text = "The server refused the request."


class WorkstationRefusedError(ServerRejectedError):
    """The server does not accept records from this computer as this workstation's (403 on
    a push): its key does not match the one registered, or another proctor owns it."""

    user_text = (
        "The server did not accept this computer's records as coming from this workstation. "
        "Nothing is lost: every answer stays saved and queued here. Ask an administrator to "
        "check this workstation's registration (docs/operations.md, 'Workstation keys')."
    )


class ServerBusyError(OfflineError):
    """The server is there but cannot take work now (5xx, 409, 429): try again later.

    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one."""

    user_text = "The server is busy or its database is down. Sync will try again by itself."

    def __init__(self, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ProtocolRefusedError(SyncError):
    """The server no longer accepts this client's sync protocol (HTTP 426)."""

    user_text = (
        "The server no longer accepts this version of MedXam Desktop. Nothing is lost: every "
        "answer stays queued on this workstation. Install the updated program, then sync."
    )


class StuckQueueError(SyncError):
    """The server answered, but the head of the queue did not move: sync stops until later."""

    user_text = (
        "The server answered but did not confirm the oldest queued record. Sync will try "
        "again later; nothing is lost."
    )


class CredentialStoreError(MedXamError):
    """No usable system keyring on this machine."""

    user_text = (
        "This computer has no secure password store (keyring), so the sign-in cannot be kept. "
        "See docs/operations.md, 'Keyring'."
    )


class SigningKeyLockedError(CredentialStoreError):
    """No keyring here, and the workstation's signing key is in its key file, sealed with
    the proctors' PINs (sync/key_file.py): no PIN has opened it in this run.
    ``detail`` names the proctors whose PIN opens it."""

    user_text = (
        "This workstation's signing key is locked. A proctor unlocks it by entering their "
        'PIN on this workstation (any PIN prompt, or "Unlock with PIN…" in the sync panel).'
    )

    def __init__(self, detail: str = "", *, user_ids: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.user_ids = user_ids  # the proctors with a slot in the key file


class KeyFileError(CredentialStoreError):
    """The workstation's key file cannot be used (damaged, or another workstation's)."""

    user_text = (
        "This workstation's key file cannot be used, so nothing can be signed with it. "
        'See docs/operations.md, "USB bundle without a keyring".'
    )


class SyncKeyLockedError(SyncError):
    """The server takes this workstation's pushes only signed, and its key is locked: the
    queue waits (intact) until a proctor's PIN opens the key file."""

    user_text = (
        "Sync waits for a proctor's PIN to unlock this workstation's signing key. Nothing is "
        "lost: every answer stays saved and queued here."
    )


class PinError(MedXamError):
    """A proctor PIN was not accepted (wrong, or not a PIN at all)."""

    user_text = "That PIN is not right."


class PinRuleError(PinError):
    """A new PIN breaks the rule (4 to 8 digits); ``detail`` says how."""

    user_text = "A PIN is 4 to 8 digits."


class PinThrottledError(PinError):
    """Too many wrong PINs in a row: the next try has to wait ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int, wait: str) -> None:
        self.user_text = f"Too many wrong PINs. Wait {wait}, then try again."
        super().__init__()
        self.retry_after_s = retry_after_s


def user_message(error: BaseException) -> str:
    """Words for the user: the error's own text and detail, never a traceback."""
    if isinstance(error, MedXamError):
        if error.detail and error.detail != error.user_text:
            return f"{error.user_text}\n\n{error.detail}"
        return error.user_text
    return MedXamError.user_text
