"""Load benchmarks for Inkstone: ``python -m bench`` (see README.md)."""
