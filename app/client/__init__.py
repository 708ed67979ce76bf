"""The headless desktop client: API, encrypted store, keys, sync and outbox (no Qt)."""
