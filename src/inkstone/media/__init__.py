"""Uploads: validated images and attachments, stored by content, served with safe headers."""
