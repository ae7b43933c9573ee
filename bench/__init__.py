"""Benchmarks named in QUALITY.md (B1–B7); run with ``make bench`` or ``make bench ONLY=B4``."""
