"""The installation's sign-up key for the exercise network.

Civic Desk serves the network, so it is the one client allowed to open accounts over the API
(the connect page does, for a new handle). The key is derived from SECRET_KEY, which the web
server and the workers of one installation share, so nothing else needs configuring.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "civicdesk.exnet.signup"


def signup_key() -> str:
    digest = salted_hmac(SALT, "open an account", secret=settings.SECRET_KEY, algorithm="sha256")
    return "exs_" + digest.hexdigest()


def is_signup_key(value: str) -> bool:
    # The key is ASCII; anything else cannot match (and cannot even be compared as bytes).
    return bool(value) and value.isascii() and constant_time_compare(value, signup_key())
