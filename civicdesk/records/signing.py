"""The installation's Ed25519 key that signs checkpoints and export manifests.

The private key is derived from ``RECORDS_SIGNING_KEY`` (``CIVICDESK_RECORDS_SIGNING_KEY``,
else generated into the data folder): keep it out of the database's backups, so that whoever
can rewrite the database cannot sign. Anyone can check a signature with the public key,
which every export carries and ``public_key_pem`` gives.
"""

from __future__ import annotations

import hashlib
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


@cache
def _private_key(secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def private_key() -> Ed25519PrivateKey:
    return _private_key(settings.RECORDS_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def key_id(key: Ed25519PublicKey | None = None) -> str:
    raw = (key or public_key()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    return (
        (key or public_key())
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def sign(data: bytes) -> str:
    return private_key().sign(data).hex()


def signature_ok(data: bytes, signature: str, key: Ed25519PublicKey | None = None) -> bool:
    try:
        (key or public_key()).verify(bytes.fromhex(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True
