"""Mastodon: any instance, reached through its client API (app registration, OAuth 2 with PKCE)."""
