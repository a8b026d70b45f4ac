"""The update cadence: when an open incident's next update is due, a reminder in the app and
by mail to the people on duty, once per due time however many workers sweep."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.incidents.models import Incident, IncidentReminder

logger = logging.getLogger(__name__)


def sweep_due_updates(*, now: datetime | None = None, limit: int = 100) -> int:
    """Remind each open incident whose next update is due and not yet reminded for."""
    now = now or timezone.now()
    due = list(
        Incident.objects.filter(closed_at__isnull=True, next_update_due_at__lte=now)
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_update_due_at")))
        .select_related("organization", "duty_approver")
        .order_by("next_update_due_at")[:limit]
    )
    reminded = 0
    for incident in due:
        with transaction.atomic():
            # Claimed by moving reminded_for: another worker's sweep skips it.
            if (
                not Incident.objects.filter(
                    pk=incident.pk, next_update_due_at=incident.next_update_due_at
                )
                .exclude(reminded_for=incident.next_update_due_at)
                .update(reminded_for=incident.next_update_due_at)
            ):
                continue
            people = list(incident.on_duty.filter(is_active=True).order_by("pk"))
            if incident.duty_approver is not None and incident.duty_approver not in people:
                people.append(incident.duty_approver)
            addresses = [p.email for p in people if p.email]
            IncidentReminder.objects.create(
                incident=incident, due_at=incident.next_update_due_at, mailed_to=addresses
            )
            if addresses:
                transaction.on_commit(partial(_mail, incident, addresses))
        reminded += 1
    return reminded


def _mail(incident: Incident, addresses: list[str]) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{reverse('incident-room', args=[incident.pk])}"
    subject = _("Update due: %(name)s") % {"name": incident.name}
    body = _(
        "The next public update of %(name)s was due at %(due)s.\n\nOpen the incident room: "
        "%(link)s\n"
    ) % {
        "name": incident.name,
        "due": incident.next_update_due_at.astimezone(incident.organization.tz).strftime(
            "%Y-%m-%d %H:%M %Z"
        ),
        "link": link,
    }
    try:
        send_mail(subject, body, None, addresses)
    except OSError:
        # The reminder is in the room already; a mail server down must not stop the sweep.
        logger.exception("could not mail the reminder of incident %s", incident.pk)
