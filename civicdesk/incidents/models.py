"""Incidents (emergency mode): what is declared, its scope, its updates and its templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Brand, Channel, Organization
from civicdesk.publishing.models import Post


class IncidentKind(models.TextChoices):
    FLOOD = "flood", _("Flood")
    STORM = "storm", _("Storm")
    FIRE = "fire", _("Fire")
    ROAD_CLOSURE = "road_closure", _("Road or bridge closure")
    POWER_OUTAGE = "power_outage", _("Power outage")
    PUBLIC_HEALTH = "public_health", _("Public health")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class Incident(models.Model):
    """An emergency declared for some brands and channels, open until someone closes it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incidents"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    area = models.CharField(max_length=200, help_text=_("Where it happens, in the public's words."))
    brands = models.ManyToManyField(Brand, related_name="incidents")
    channels = models.ManyToManyField(Channel, related_name="incidents")
    # The languages every update is published in (a subset of the official languages).
    languages = models.JSONField(default=list)
    duty_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    on_duty = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="incidents_on_duty", blank=True
    )
    # How often the public hears from us while it lasts.
    cadence_minutes = models.PositiveSmallIntegerField(default=60)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()
    next_update_due_at = models.DateTimeField()
    # The due time the last reminder was for: a reminder is claimed by moving this.
    reminded_for = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-declared_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_update_due_at"],
                condition=models.Q(closed_at__isnull=True),
                name="incident_open_due",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IncidentTemplate(models.Model):
    """Wording approved ahead of time for one kind of incident, in every official language.

    ``texts`` holds the wording per language with fields such as ``{road}``; ``fields`` names
    the allowed form of each (see ``incidents/fields.py``). Every edit bumps ``version``; the
    approval holds for ``approved_version`` only.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incident_templates"
    )
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    name = models.CharField(max_length=200)
    texts = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_approved(self) -> bool:
        return self.approved_by_id is not None and self.approved_version == self.version


class UpdateApproval(models.TextChoices):
    TEMPLATE = "template", _("Pre-approved template")
    FAST_TRACK = "fast_track", _("Waiting for the duty approver")
    APPROVED = "approved", _("Approved by the duty approver")


class IncidentUpdate(models.Model):
    """One public update of an incident: one post per brand, every language together."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    number = models.PositiveIntegerField()
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="incident_update")
    template = models.ForeignKey(
        IncidentTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template_version = models.PositiveIntegerField(null=True, blank=True)
    field_values = models.JSONField(default=dict, blank=True)
    approval = models.CharField(max_length=20, choices=UpdateApproval.choices)
    # Why it waits for the duty approver, in the team's words.
    approval_reason = models.CharField(max_length=300, blank=True)
    # Published as a reply to the first update on platforms that let an account answer
    # its own post.
    continues_thread = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident} update {self.number}"


class IncidentReminder(models.Model):
    """The app's reminder that an update is due (also mailed to the people on duty)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    mailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "due_at"], name="incident_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident} due {self.due_at:%H:%M}"
