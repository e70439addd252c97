"""The baseline: a hello-world Flask app, served by the same gunicorn command and settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    """Return a one-key JSON greeting."""
    return {"hello": "world"}
