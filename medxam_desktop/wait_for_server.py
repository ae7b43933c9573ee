"""``python -m medxam_desktop.wait_for_server URL``: wait until a server answers its health check.

Used by ``make demo`` so the window opens once the embedded server is up.
"""

from __future__ import annotations

import sys
import time

from medxam_desktop.errors import MedXamError
from medxam_desktop.sync.api_client import ApiClient


def wait(url: str, *, timeout_s: float = 60.0) -> bool:
    client = ApiClient(url)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            try:
                client.health()
            except MedXamError:
                time.sleep(0.25)
            else:
                return True
        return False
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(0 if wait(sys.argv[1]) else 1)
