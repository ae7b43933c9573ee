"""Fixtures of the desktop tests that several modules share.

``admin_world`` (and its ``admin_database_url``): the live server with a delivery of
200+ synced attempts for the admin console tests, made once per session
(tests/desktop/admin_fixtures.py).
"""

from tests.desktop.admin_fixtures import admin_database_url, admin_world

__all__ = ["admin_database_url", "admin_world"]
