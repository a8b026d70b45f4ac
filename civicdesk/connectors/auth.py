"""Connecting an account: each platform's authorization flow, behind one shape.

A flow starts (a URL to send the person to, or a form to fill in, such as a Bluesky app
password) and finishes with one or more connected accounts and their credentials.
Credentials are a flat mapping of strings, stored encrypted on the channel; the keys
``access_token``, ``refresh_token`` and ``expires_at`` (ISO 8601, UTC) are understood by
the refresh sweep, everything else is the platform's own (page id, DID, instance URL...).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from civicdesk.connectors.base import AuthExpiredError
from civicdesk.connectors.catalog import SPECS
from civicdesk.core.credentials import credentials_expire_at as credentials_expire_at
from civicdesk.core.outbound import guarded_client

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class FlowKind:
    OAUTH2 = "oauth2"  # redirect to the platform, come back with a code
    FORM = "form"  # the person types what the platform gave them (app password, token)
    # A form first (which server?), whose fields go to ``start``, then OAuth 2 (Mastodon).
    FORM_THEN_OAUTH2 = "form+oauth2"


@dataclass(frozen=True)
class FormField:
    name: str
    label: StrOrPromise
    secret: bool = False
    help: StrOrPromise = ""
    required: bool = True


@dataclass(frozen=True)
class AuthStart:
    """Where to send the person (OAuth) and what to keep in their session until they return."""

    url: str = ""
    pending: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectedAccount:
    remote_id: str
    handle: str
    credentials: Mapping[str, str]
    display_name: str = ""
    expires_at: datetime | None = None
    # Where the API of this account lives when it is not the platform's default
    # (a Mastodon instance, a Bluesky PDS).
    api_base_url: str = ""


class AuthFlow:
    """Base class of a platform's authorization flow.

    ``app`` holds the organization's registered application (client id and secret,
    read from settings); ``base_url`` and ``client`` are injectable like a connector's.
    """

    platform: ClassVar[str] = ""
    kind: ClassVar[str] = FlowKind.OAUTH2
    form_fields: ClassVar[tuple[FormField, ...]] = ()
    scopes: ClassVar[tuple[str, ...]] = ()
    # The flow reaches a server the person names (a Mastodon server, a Bluesky handle, a
    # feed): the client made here is the guarded one (core/outbound.py).
    typed_address: ClassVar[bool] = False

    def __init__(
        self,
        *,
        app: Mapping[str, str] | None = None,
        base_url: str = "",
        auth_base_url: str = "",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.app = dict(app or {})
        self.base_url = base_url.rstrip("/")
        self.auth_base_url = auth_base_url.rstrip("/")
        self._own_client = client is None
        self.client = client or (
            guarded_client(timeout=timeout) if self.typed_address else httpx.Client(timeout=timeout)
        )

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        raise NotImplementedError

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        """Turn the callback's query parameters (or the form's fields) into accounts."""
        raise NotImplementedError

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """New credentials from the refresh token. Raise AuthExpiredError when refused.

        Implementations build on ``merge_refreshed`` so that a response without a new
        refresh token never erases the stored one.
        """
        raise AuthExpiredError(f"{self.platform} tokens cannot be refreshed; reconnect")

    def revoke(self, credentials: Mapping[str, str]) -> None:
        """Best effort: tell the platform the token is no longer wanted."""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode()
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier, challenge


def expires_at_from(expires_in: object, *, now: datetime | None = None) -> str:
    """ISO expiry from an ``expires_in`` seconds value; empty when absent or malformed."""
    try:
        seconds = int(float(str(expires_in)))
    except (TypeError, ValueError):
        return ""
    if seconds <= 0:
        return ""
    return ((now or datetime.now(UTC)) + timedelta(seconds=seconds)).isoformat()


def merge_refreshed(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """The stored credentials updated with a refresh response.

    Empty values in the response never overwrite stored ones: a platform that does not
    rotate refresh tokens answers without one, and losing it would force a reconnect.
    """
    merged = dict(old)
    for key, value in new.items():
        if value not in ("", None):
            merged[key] = str(value)
    return merged


# Platform slug -> dotted path of its authorization flow, from the platforms' descriptions.
AUTH_FLOWS: dict[str, str] = {slug: spec.auth_flow for slug, spec in SPECS.items()}


def auth_flow_class(platform: str) -> type[AuthFlow]:
    try:
        path = AUTH_FLOWS[platform]
    except KeyError:
        raise LookupError(f"no way to connect an account on {platform!r}") from None
    cls: type[AuthFlow] = import_string(path)
    return cls


def auth_flow_for(
    platform: str, *, base_url: str = "", client: httpx.Client | None = None
) -> AuthFlow:
    """The platform's authorization flow with the organization's registered app."""
    cls = auth_flow_class(platform)
    return cls(
        app=settings.PLATFORM_APPS.get(platform, {}),
        base_url=base_url or settings.PLATFORM_API_URLS.get(platform, ""),
        client=client,
        timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
    )
