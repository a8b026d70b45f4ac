"""Announce a new issue card: in the app to the organization's members, by email to the
addresses the admins listed, and by webhook.

The webhook's body is JSON that Slack and Microsoft Teams incoming webhooks both accept (their
``text`` field, with Markdown-style links) plus a ``card`` object for any other receiver. It
is signed: ``X-CivicDesk-Signature: sha256=<hex>`` is the HMAC-SHA256, keyed with the
organization's webhook secret, of ``<X-CivicDesk-Timestamp>.<body>``; a receiver recomputes it
and refuses an old timestamp, so a captured request cannot be replayed later.

Each way is tried once; what became of it is kept on the card (``IssueCard.alerts``) and shown
there. A failure of one never stops the others.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.core.crypto import decrypt_json
from civicdesk.core.outbound import guarded_client
from civicdesk.listening.models import AlertSettings, IssueAlert, IssueCard
from civicdesk.organizations.models import Membership

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-CivicDesk-Signature"
TIMESTAMP_HEADER = "X-CivicDesk-Timestamp"
WEBHOOK_TIMEOUT = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def card_url(card: IssueCard) -> str:
    return settings.SITE_URL + reverse("listening-card", args=[card.pk])


def summary(card: IssueCard) -> str:
    """One paragraph about the card, in the active language."""
    return _(
        "Rising issue: %(title)s. %(observed)d messages in the last hour, where about "
        "%(expected).1f were expected. Top words: %(terms)s."
    ) % {
        "title": card.title,
        "observed": card.observed,
        "expected": card.expected,
        "terms": ", ".join(card.top_terms[:5]) or "-",
    }


def webhook_body(card: IssueCard) -> dict[str, object]:
    url = card_url(card)
    return {
        # Slack and Teams show "text"; <url|label> is Slack's link, Teams shows it as written.
        "text": f"{summary(card)} <{url}|{_('Open the issue card')}>",
        "card": {
            "id": card.pk,
            "title": card.title,
            "url": url,
            "detected_at": card.detected_at.isoformat(),
            "first_seen": card.first_seen.isoformat(),
            "observed": card.observed,
            "expected": round(card.expected, 2),
            "score": round(card.score, 2),
            "top_terms": card.top_terms,
            "languages": card.languages,
            "kinds": card.kinds,
            "curve": card.curve,
            "examples": card.examples,
            "authors": card.authors,
        },
    }


def announce(card_id: int) -> dict[str, object]:
    """Send the card's alerts; returns (and stores) what became of each."""
    card = IssueCard.objects.select_related("organization").get(pk=card_id)
    organization = card.organization
    outcome: dict[str, object] = {}
    members = list(
        Membership.objects.filter(organization=organization, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    IssueAlert.objects.bulk_create(
        [IssueAlert(card=card, user_id=user_id) for user_id in members], ignore_conflicts=True
    )
    outcome["app"] = len(set(members))
    config = AlertSettings.objects.filter(organization=organization).first()
    language = (organization.official_languages or [settings.LANGUAGE_CODE])[0]
    with translation.override(language):
        if config is not None and config.email_list():
            outcome["email"] = _send_email(card, config.email_list())
        if config is not None and config.webhook_url:
            outcome["webhook"] = _send_webhook(card, config)
    IssueCard.objects.filter(pk=card.pk).update(alerts=outcome)
    return outcome


def _send_email(card: IssueCard, addresses: list[str]) -> dict[str, object]:
    subject = _("Rising issue: %(title)s") % {"title": card.title}
    lines = [summary(card), "", card_url(card), ""]
    for example in card.examples[:3]:
        lines.append(f"- @{example['author']}: {example['text'][:280]}")
    try:
        send_mail(subject[:200], "\n".join(lines), None, addresses)
    except Exception as error:  # noqa: BLE001 - the other alerts go out anyway
        logger.warning("issue card %s: email failed: %s", card.pk, error)
        return {"ok": False, "detail": type(error).__name__}
    return {"ok": True, "detail": str(len(addresses))}


def _send_webhook(card: IssueCard, config: AlertSettings) -> dict[str, object]:
    secret = decrypt_json(config.webhook_secret).get("secret", "") if config.webhook_secret else ""
    body = json.dumps(webhook_body(card), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    try:
        with guarded_client(timeout=WEBHOOK_TIMEOUT) as client:
            response = client.post(config.webhook_url, content=body, headers=headers)
    except httpx.HTTPError as error:  # a refused address (core.outbound) is one too
        logger.warning("issue card %s: webhook failed: %s", card.pk, error)
        return {"ok": False, "detail": str(error)[:200]}
    return {"ok": response.status_code < 300, "detail": f"HTTP {response.status_code}"}
