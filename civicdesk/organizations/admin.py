"""The installation's operators see every organization's records in the Django admin.

Read-only: a change to anything here goes through an action (the settings screens or a
command), which checks permission and writes the audit log. The admin is for looking, for
the operators of the installation, never a way around the log.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from civicdesk.organizations.models import (
    AuditEvent,
    Brand,
    BusinessArea,
    Channel,
    Invitation,
    Membership,
    Organization,
)

# The apps whose models the operators may look at.
OUR_APPS = (
    "organizations",
    "publishing",
    "inbox",
    "analytics",
    "policies",
    "understanding",
    "rules",
    "exnet",
    "core",
    "connectors",
)

SECRET_WORDS = {"token", "secret", "key", "encrypted", "password", "hash"}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "time_zone", "publishing_paused", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Brand)
class BrandAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "approval_tiers", "archived_at"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Channel)
class ChannelAdmin(ReadOnlyAdmin):
    list_display = ["handle", "platform", "brand", "health", "is_active"]
    list_filter = ["platform", "health", "is_active"]
    search_fields = ["handle", "display_name"]
    # Tokens stay out of every screen, encrypted or not.
    exclude = ["credentials_encrypted"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "brand", "role", "business_area"]
    list_filter = ["organization", "role"]
    search_fields = ["user__username"]


@admin.register(BusinessArea)
class BusinessAreaAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization"]
    exclude = ["token_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["organization", "sequence", "created_at", "actor_label", "action"]
    list_filter = ["organization", "action"]
    search_fields = ["actor_label", "action", "object_id"]


def _register_the_rest() -> None:
    """Every other model of ours, read-only, with its first few fields as columns."""
    for label in OUR_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if admin.site.is_registered(model):
                continue
            # Secrets (tokens, keys, encrypted credentials) are not shown even to operators.
            secret = [
                f.name for f in model._meta.fields if SECRET_WORDS.intersection(f.name.split("_"))
            ]
            columns = [
                f.name
                for f in model._meta.fields
                if not isinstance(f, models.JSONField | models.TextField | models.BinaryField)
                and f.name not in secret
            ][:6]
            options = {"list_display": columns, "exclude": secret}
            admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), options))


_register_the_rest()
