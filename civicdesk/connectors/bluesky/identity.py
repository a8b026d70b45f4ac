"""Who an atproto account is and where it lives: handle → DID → DID document → PDS.

A handle (``cityhall.bsky.social``) is a name the account can change; its DID
(``did:plc:…`` or ``did:web:…``) is permanent. The DID document names the account's
server (the PDS, service ``#atproto_pds``) and its current handle (``alsoKnownAs``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

from civicdesk.connectors.base import RejectedError

DEFAULT_SERVER = "https://bsky.social"
DEFAULT_PLC = "https://plc.directory"


@dataclass(frozen=True)
class Identity:
    did: str
    handle: str  # "" when the document names none
    pds: str  # "" when the document names none


def resolve_handle(client: httpx.Client, handle: str, *, lookup: str) -> str:
    """The DID of a handle, or "" when it cannot be found out.

    Asks ``lookup`` (a PDS or Bluesky's entryway, which also follow DNS records), then
    the handle's own ``/.well-known/atproto-did``.
    """
    try:
        response = client.get(
            f"{lookup}/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}
        )
        if response.status_code == 200:
            did = response.json().get("did")
            if isinstance(did, str) and did.startswith("did:"):
                return did
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    try:
        response = client.get(f"https://{handle}/.well-known/atproto-did")
        did = response.text.strip() if response.status_code == 200 else ""
        return did if did.startswith("did:") and len(did) < 256 else ""
    except httpx.HTTPError:
        return ""


def did_document(client: httpx.Client, did: str, *, plc_url: str = DEFAULT_PLC) -> dict[str, Any]:
    """The DID's document; {} when it cannot be had."""
    if did.startswith("did:plc:"):
        url = f"{plc_url.rstrip('/')}/{did}"
    elif did.startswith("did:web:"):
        url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
    else:
        return {}
    try:
        response = client.get(url)
        doc = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("id") not in (None, did):
        return {}
    return doc


def identity_of(client: httpx.Client, did: str, *, plc_url: str = DEFAULT_PLC) -> Identity:
    doc = did_document(client, did, plc_url=plc_url)
    return Identity(did=did, handle=handle_from_did_doc(doc), pds=pds_from_did_doc(doc))


def pds_from_did_doc(doc: Any) -> str:
    if not isinstance(doc, dict) or not isinstance(doc.get("service"), list):
        return ""
    for service in doc["service"]:
        if (
            isinstance(service, dict)
            and str(service.get("id", "")).endswith("#atproto_pds")
            and isinstance(service.get("serviceEndpoint"), str)
        ):
            return server_url(service["serviceEndpoint"])
    return ""


def handle_from_did_doc(doc: Any) -> str:
    if not isinstance(doc, dict) or not isinstance(doc.get("alsoKnownAs"), list):
        return ""
    for alias in doc["alsoKnownAs"]:
        if isinstance(alias, str) and alias.startswith("at://"):
            return alias.removeprefix("at://")
    return ""


def server_url(value: str) -> str:
    """A server's address as ``scheme://host[:port]``; "" for an empty value."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RejectedError("give the server's address, e.g. https://pds.example.org")
    return f"{parsed.scheme}://{parsed.netloc}"


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure(url: str, what: str) -> str:
    """OAuth servers must be HTTPS; plain HTTP is accepted on this machine only (dev)."""
    parsed = urlparse(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback(url)):
        return url
    raise RejectedError(f"the {what} is not served over HTTPS: {url}")
