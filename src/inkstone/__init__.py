"""Inkstone: a publishing platform built on Flask."""

from inkstone.app import create_app

__all__ = ["create_app"]
