"""The reference server: FastAPI app, actions, event stream, auth and the admin CLI."""
