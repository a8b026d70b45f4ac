"""LinkedIn organization pages: the Community Management API (versioned REST)."""
