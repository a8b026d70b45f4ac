"""X (formerly Twitter): publishing, mentions, direct messages and metrics over API v2."""
