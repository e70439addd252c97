"""Accounts, roles, permission scopes and API tokens."""
