"""The follow graph and public profiles."""
