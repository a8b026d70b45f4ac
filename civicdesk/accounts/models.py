"""The installation's sign-in log: events that belong to no single organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInEvent(models.Model):
    """One sign-in event of the whole installation, kept whether or not the person is known.

    A failed sign-in for a name nobody has, or a lockout, has no organization to be filed
    under; the organizations' own audit chains get the events of their members as well.
    """

    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=40)
    # What was typed into the sign-in form (never the password); empty for known people.
    identifier = models.CharField(max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "created_at"], name="signin_action_time")]

    def __str__(self) -> str:
        who = self.user.get_username() if self.user else self.identifier or "?"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {who}"


class Profile(models.Model):
    """What a person chooses for themselves, whatever organizations they belong to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Empty: the browser's language decides (then the organization's first official one).
    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.user.get_username()
