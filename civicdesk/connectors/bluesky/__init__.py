"""Bluesky (AT Protocol): app-password sign-in and XRPC calls to the account's PDS."""
