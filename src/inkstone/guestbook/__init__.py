"""The guestbook: anyone may leave a name and a short message."""
