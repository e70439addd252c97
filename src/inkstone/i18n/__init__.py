"""Message catalogs (en, zh_CN) for Flask-Babel."""
