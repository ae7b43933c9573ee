"""The local SQLite store behind one ``Store`` facade (SQLAlchemy lives only here)."""
