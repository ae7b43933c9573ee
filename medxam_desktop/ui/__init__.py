"""PySide6 widgets; all threading lives in ``ui/tasks.py``."""
