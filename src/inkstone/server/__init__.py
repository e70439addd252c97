"""The embedded HTTP server: a gunicorn worker that slow clients cannot take offline."""
