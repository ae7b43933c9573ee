"""Batch sync (API.md "Batch sync"): pushes and USB bundles become kept records,
attempts and receipts.

``ingest.ingest_batch`` is the whole pipeline in order, over one ``batch_state.BatchState``:
``claim`` (the Idempotency-Key), then the stages ``classify``, ``checks``, ``store``,
``apply``, ``integrity`` and ``reply``; no stage imports a later one. The sync tables'
SQL is in ``statements`` (writes and the claim's and store's lookups) and
``held_records`` (the later stages' reads); the attempts and their answers have row
modules of their own (``attempt_rows``, ``answer_rows``).
"""
