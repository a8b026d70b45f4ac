"""The installation's sign-in log, read-only in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from civicdesk.accounts.models import SignInEvent


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "user", "identifier", "ip_address"]
    list_filter = ["action"]
    search_fields = ["identifier", "user__username", "ip_address"]
    date_hierarchy = "created_at"

    # A log: nobody edits or removes its entries by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
