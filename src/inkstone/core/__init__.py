"""Shared infrastructure: settings, database base, errors, JSON, logging, Celery, pagination."""
