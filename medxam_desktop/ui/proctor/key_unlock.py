"""Every PIN proven on this workstation also opens its signing key file (no keyring).

The store tells ``SigningKeyUnlocker`` about each PIN it has just checked, set or
changed (``Store.add_pin_listener``: PIN sign-in, set or change, the room's and the
start code's PINs, the exam window's close and pause), on whichever thread checked it.
The unlocker hands it to the UI thread and from there to a lane of its own
(``run_in_order``), where ``sync.key_unlock.unlock_with_pin`` runs scrypt (~0.1 s), one
PIN after the other in the order they were proven: when a PIN is changed, the old PIN
opens the key before the new one seals it again. ``key_opened`` says the key has become
usable, so a sync that waited for it goes on.

``ask_for_pin`` is the prompt for when the key is needed and locked (USB export, a sync
waiting): the shared PIN dialog, the PIN checked by the store (which unlocks through the
listener), then ``on_open`` once the key is open, or the words why not.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import CredentialStoreError, user_message
from medxam_desktop.sync.key_unlock import UnlockResult, signing_key_for, unlock_with_pin
from medxam_desktop.ui.tasks import run_in_order, run_on_store
from medxam_desktop.ui.widgets.pin_dialog import PinDialog

if TYPE_CHECKING:
    from medxam_desktop.store import Store

log = logging.getLogger(__name__)

LANE = "signing-key"


class SigningKeyUnlocker(QObject):
    key_opened = Signal()  # the key was locked (or missing) and a PIN opened (or made) it
    unlocked = Signal(object)  # UnlockResult, after each proven PIN
    _proven = Signal(object, str)  # ProctorView, PIN: from any thread to the UI thread

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.last: UnlockResult | None = None
        self.pin_dialog: PinDialog | None = None
        self._proven.connect(self._unlock, Qt.ConnectionType.QueuedConnection)
        listener = _listener(self)
        store.add_pin_listener(listener)
        self.destroyed.connect(lambda *_args: store.remove_pin_listener(listener))

    def after_unlocks(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Run ``fn`` in the background once every unlock asked for so far is done."""
        run_in_order(fn, lane=LANE, on_done=on_done, on_error=on_error, owner=self)

    def ask_for_pin(
        self,
        parent: QWidget,
        *,
        purpose: str,
        on_open: Callable[[], None],
        on_refused: Callable[[str], None],
    ) -> PinDialog:
        """A proctor's PIN for the locked key; ``on_open()`` once it is open, else
        ``on_refused(words)``. A wrong PIN is refused in the dialog, which stays up."""
        dialog = PinDialog(
            parent,
            asking=f"This workstation's signing key is locked. {purpose} Proctor PIN:",
            ok_text="Unlock",
            name="signingKeyPinDialog",
        )
        dialog.pin_entered.connect(lambda pin: self._check(dialog, pin, on_open, on_refused))
        self.pin_dialog = dialog
        dialog.open()
        return dialog

    def _check(
        self,
        dialog: PinDialog,
        pin: str,
        on_open: Callable[[], None],
        on_refused: Callable[[str], None],
    ) -> None:
        if not pin:
            dialog.refuse()
            return
        store = self.store

        def checked(proctor: ProctorView | None) -> None:
            if proctor is None:
                dialog.refuse()
                return
            dialog.accept()
            self.after_unlocks(
                lambda: _open_with(store, proctor, pin),
                on_done=lambda why_not: on_refused(why_not) if why_not else on_open(),
                on_error=lambda error: on_refused(user_message(error)),
            )

        def failed(error: Exception) -> None:  # too many wrong PINs: wait
            dialog.message.setText(user_message(error))
            dialog.pin_input.clear()

        run_on_store(lambda: store.proctors.verify_any(pin), on_done=checked, on_error=failed)

    def _unlock(self, proctor: ProctorView, pin: str) -> None:
        store = self.store
        self.after_unlocks(
            lambda: unlock_with_pin(store, proctor, pin), on_done=self._done, on_error=self._failed
        )

    def _done(self, result: UnlockResult) -> None:
        self.last = result
        self.unlocked.emit(result)
        if result.newly_open:
            self.key_opened.emit()

    def _failed(self, error: Exception) -> None:
        log.warning("the workstation key file could not be used: %s", type(error).__name__)


def _open_with(store: Store, proctor: ProctorView, pin: str) -> str:
    """On the lane, after the unlock the store's listener queued for this PIN: "" when the
    key is open, else why not. Should that unlock not have run yet, it runs here (the
    second one then finds the key open), so the prompt never depends on event order."""
    try:
        signing_key_for(store)
    except CredentialStoreError:
        result = unlock_with_pin(store, proctor, pin)
        return "" if result.available else result.words
    return ""


def _listener(unlocker: SigningKeyUnlocker) -> Callable[[ProctorView, str], None]:
    """The store's listener: holds the unlocker weakly, and forgets it once deleted."""
    ref = weakref.ref(unlocker)

    def proven(proctor: ProctorView, pin: str) -> None:
        target = ref()
        if target is not None and isValid(target):
            target._proven.emit(proctor, pin)

    return proven
