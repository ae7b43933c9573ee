"""Server configuration, read once from the environment (prefix ``MEDXAM_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE_NAME = "server-secret"


class Settings(BaseSettings):
    """Everything the server reads from its environment.

    Without ``MEDXAM_DATABASE_URL`` the server runs on an embedded SQLite file in
    ``MEDXAM_DATA_DIR`` (demo and development); production sets a PostgreSQL URL.
    """

    model_config = SettingsConfigDict(env_prefix="MEDXAM_", extra="ignore")

    database_url: str | None = None
    data_dir: Path = Path(platformdirs.user_data_dir("medxam-server", "MedXam"))
    secret_key: str | None = None
    session_hours: float = 12.0
    login_max_failures: int = 5
    login_window_seconds: int = 300
    login_max_failures_per_address: int = 20
    # Proxies whose X-Forwarded-For gives the client's address (uvicorn's
    # --forwarded-allow-ips, comma-separated); empty: no forwarding header is trusted.
    forwarded_allow_ips: str = ""
    quarantine_max_per_workstation: int = 2000
    quarantine_window_seconds: int = 24 * 3600
    max_body_bytes: int = 10 * 1024 * 1024
    retry_after_seconds: int = 5
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout: float = 10.0

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL to connect to, with the psycopg 3 driver for PostgreSQL."""
        if not self.database_url:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{self.data_dir / 'medxam-server.sqlite3'}"
        return normalise_database_url(self.database_url)

    def resolved_secret(self) -> bytes:
        """The server secret for receipt codes and bundle signatures.

        Taken from ``MEDXAM_SECRET_KEY``; otherwise made once and kept in the data
        directory (mode 0600) so that receipt codes stay verifiable across restarts.
        """
        if self.secret_key:
            return self.secret_key.encode()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SECRET_FILE_NAME
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(32))
        return path.read_text().strip().encode()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
