"""Exports and imports are jobs: their tests use the job engine's fixtures."""

from tests.jobs.conftest import make_job, result_file

__all__ = ["make_job", "result_file"]
