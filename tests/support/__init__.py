"""Helpers that tests of several kinds share (the live server on loopback)."""
