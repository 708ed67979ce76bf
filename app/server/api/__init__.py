"""The HTTP API: a FastAPI app factory and thin routers over actions and queries."""
