"""Civic Desk: the social media command center for public institutions."""

__version__ = "0.1.0"
