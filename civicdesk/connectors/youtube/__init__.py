"""YouTube channels: comments, replies, moderation and statistics (Data API v3)."""
