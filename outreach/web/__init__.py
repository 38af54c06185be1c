"""The web face: FastAPI application, routes grouped by area."""
