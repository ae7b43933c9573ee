"""The workstation's main window: the frame the proctor and candidate screens live in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from medxam_desktop import __version__
from medxam_desktop.errors import user_message


class MainWindow(QMainWindow):
    """Shows which server the workstation talks to and whether it is reachable."""

    def __init__(self, *, server_url: str) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"MedXam Desktop {__version__}")
        self.setAccessibleName("MedXam Desktop")
        central = QWidget(self)
        layout = QVBoxLayout(central)
        title = QLabel("<h1>MedXam Desktop</h1>", central)
        title.setObjectName("titleLabel")
        title.setAccessibleName("MedXam Desktop")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.server_label = QLabel(f"Server: {server_url}", central)
        self.server_label.setObjectName("serverLabel")
        self.server_label.setAccessibleName("Server address")
        layout.addWidget(title)
        layout.addWidget(self.server_label)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.connection_label = QLabel("Checking the server…", self)
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setAccessibleName("Connection status")
        self.statusBar().addPermanentWidget(self.connection_label)
        self.resize(900, 640)

    def show_online(self, server_version: str) -> None:
        self.connection_label.setText(f"Online — server {server_version}")

    def show_offline(self, error: Exception) -> None:
        """Being offline is a state in the status bar, not an error box."""
        self.connection_label.setText("Offline")
        self.connection_label.setToolTip(user_message(error))
