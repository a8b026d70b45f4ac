"""What every view shares: the htmx-aware request type (``core/http.py``), object lookups
with access checks, and turning an action's refusal into a message instead of an error
page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from civicdesk.core.http import HtmxHttpRequest as HtmxHttpRequest  # for the views
from civicdesk.organizations.access import Perm, require
from civicdesk.organizations.models import Brand
from civicdesk.publishing.models import Post


def post_for(request: HttpRequest, pk: int, perm: Perm) -> Post:
    """The post, if the user may ``perm`` on its brand (404 to outsiders, 403 to others)."""
    post = get_object_or_404(Post.objects.select_related("brand__organization"), pk=pk)
    require(request.user, post.brand, perm)
    return post


def brand_for(request: HttpRequest, pk: int, perm: Perm) -> Brand:
    brand = get_object_or_404(Brand.objects.select_related("organization"), pk=pk)
    require(request.user, brand, perm)
    return brand


def int_param(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def run_action(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Call an action; show its refusal as a message. True when it went through."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
        return False
    messages.success(request, success)
    return True
