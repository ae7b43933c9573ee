"""Talking to the server: the httpx ApiClient, credentials and the outbox pusher."""
