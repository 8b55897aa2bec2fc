"""FastAPI application: the JSON/CSV API and the web pages."""
