"""Articles, tags, favorites and comments."""
