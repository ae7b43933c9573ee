"""The demo: an exam, people and a past sitting for `make demo`, made through the other services."""
