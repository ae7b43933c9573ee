"""The workstation's main window: the proctor's screens, and the server state below them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop import __version__
from medxam_desktop.domain.content import ExamContent
from medxam_desktop.errors import user_message
from medxam_desktop.ui.proctor.flow import ProctorFlow


class MainWindow(QMainWindow):
    """Holds the proctor flow; passes an unlocked candidate on with ``candidate_unlocked``.

    Without a proctor flow (no store yet) it shows a title page, as before.
    """

    candidate_unlocked = Signal(str, object)  # attempt_id, ExamContent

    def __init__(self, *, server_url: str, proctor_flow: ProctorFlow | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"MedXam Desktop {__version__}")
        self.setAccessibleName("MedXam Desktop")
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("mainPages")
        self.pages.setAccessibleName("Screens")
        title_page = QWidget(self.pages)
        layout = QVBoxLayout(title_page)
        title = QLabel("<h1>MedXam Desktop</h1>", title_page)
        title.setObjectName("titleLabel")
        title.setAccessibleName("MedXam Desktop")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem_label = QLabel("Opening this workstation's store…", title_page)
        self.problem_label.setObjectName("startupLabel")
        self.problem_label.setAccessibleName("Start-up state")
        self.problem_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem_label.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(self.problem_label)
        layout.addStretch(1)
        self.pages.addWidget(title_page)
        self.proctor_flow: ProctorFlow | None = None
        self.admin_console: QWidget | None = None
        if proctor_flow is not None:
            self.set_proctor_flow(proctor_flow)
        self.setCentralWidget(self.pages)
        self.server_label = QLabel(f"Server: {server_url}", self)
        self.server_label.setObjectName("serverLabel")
        self.server_label.setAccessibleName("Server address")
        self.connection_label = QLabel("Checking the server…", self)
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setAccessibleName("Connection status")
        self.statusBar().addWidget(self.server_label)
        self.statusBar().addPermanentWidget(self.connection_label)
        self.resize(1000, 680)

    def set_proctor_flow(self, flow: ProctorFlow) -> None:
        """Show the proctor's screens (once the store is open)."""
        self.proctor_flow = flow
        self.pages.addWidget(flow)
        self.pages.setCurrentWidget(flow)
        flow.candidate_unlocked.connect(self._unlocked)

    def show_admin_console(self, console: QWidget) -> None:
        """An admin signed in: the results console (ui/admin/) replaces the proctor's
        screens until the sign-out."""
        self.close_admin_console()
        self.admin_console = console
        self.pages.addWidget(console)
        self.pages.setCurrentWidget(console)
        console.setFocus()

    def close_admin_console(self) -> None:
        """Back to the proctor's screens (the admin signed out)."""
        console, self.admin_console = self.admin_console, None
        if console is None:
            return
        self.pages.removeWidget(console)
        console.deleteLater()
        self.show_proctor()

    def show_problem(self, text: str) -> None:
        """The workstation cannot work (e.g. its store cannot be opened): say why."""
        self.problem_label.setText(text)

    def show_sync_panel(self, panel: QWidget) -> QDockWidget:
        """Dock the proctor's sync panel (ui/proctor/sync_panel.py) at the right."""
        dock = QDockWidget("Sync", self)
        dock.setObjectName("syncDock")
        dock.setAccessibleName("Sync")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def show_online(self, server_version: str) -> None:
        self.connection_label.setText(f"Online — server {server_version}")
        self.connection_label.setToolTip("")

    def show_offline(self, error: Exception) -> None:
        """Being offline is a state in the status bar, not an error box."""
        self.connection_label.setText("Offline")
        self.connection_label.setToolTip(user_message(error))

    def show_proctor(self) -> None:
        """Back to the proctor's screens (after an exam ended)."""
        if self.proctor_flow is not None:
            self.pages.setCurrentWidget(self.proctor_flow)
            self.proctor_flow.setFocus()

    def _unlocked(self, attempt_id: str, content: ExamContent) -> None:
        self.candidate_unlocked.emit(attempt_id, content)
