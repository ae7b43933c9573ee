"""The local SQLite store behind one ``Store`` facade (SQLAlchemy lives only here)."""

from medxam_desktop.store.facade import Store

__all__ = ["Store"]
