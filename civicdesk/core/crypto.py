"""Encryption of platform credentials at rest."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    # Any string works as the configured key: it is stretched to Fernet's 32 bytes.
    digest = hashlib.sha256(key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_json(value: dict[str, str]) -> str:
    if not value:
        return ""
    payload = json.dumps(value, sort_keys=True).encode()
    return _fernet(settings.CREDENTIALS_KEY).encrypt(payload).decode()


def decrypt_json(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        payload = _fernet(settings.CREDENTIALS_KEY).decrypt(token.encode())
    except InvalidToken as exc:
        raise ValueError("credentials cannot be decrypted with the configured key") from exc
    data = json.loads(payload)
    return {str(k): str(v) for k, v in data.items()}
