"""The plan in and out: export it, import a file of posts, and a person's calendar feed."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicdesk.core.http import signed_in
from civicdesk.organizations.access import Perm, brands_for
from civicdesk.pages.selectors import PlanCursor, PlanFilters, posts_plan
from civicdesk.pages.views.common import int_param
from civicdesk.publishing import calendar_feed, planio
from civicdesk.publishing import plan_export as export
from civicdesk.publishing.models import Post, PublicationState

# The file between the preview and the confirmation: kept in the person's session.
SESSION_KEY = "plan_import_file"
EXPORT_PAGE = 500


def _filters(request: HttpRequest) -> PlanFilters:
    state = request.GET.get("state") or None
    return PlanFilters(
        brand=int_param(request.GET.get("brand")),
        channel=int_param(request.GET.get("channel")),
        state=state if state in PublicationState.values else None,
    )


@require_GET
def plan_export(request: HttpRequest) -> HttpResponse:
    """The plan as the person sees it, with its filters, as CSV or .xlsx."""
    filters = _filters(request)
    posts: list[Post] = []
    after: PlanCursor | None = None
    while True:
        page = posts_plan(user=request.user, filters=filters, after=after, limit=EXPORT_PAGE)
        posts.extend(page.posts)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(export.export_xlsx(posts), content_type=export.XLSX_TYPE)
        name = f"plan-{stamp}.xlsx"
    else:
        response = HttpResponse(export.export_csv(posts), content_type="text/csv; charset=utf-8")
        name = f"plan-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _may_import(request: HttpRequest) -> None:
    if not brands_for(request.user, Perm.COMPOSE).filter(archived_at=None).exists():
        raise PermissionDenied(_("Your role on your brands does not allow writing posts."))


@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """Upload a file, see what it would create (or every reason it cannot), then confirm."""
    _may_import(request)
    person = signed_in(request)
    context: dict[str, object] = {"max_mb": planio.MAX_FILE_BYTES // (1024 * 1024)}
    if request.method == "POST" and "confirm" in request.POST:
        kept = request.session.get(SESSION_KEY)
        if not kept or kept.get("digest") != request.POST.get("confirm"):
            messages.error(request, _("Upload the file again: it is no longer here."))
            return redirect("plan-import")
        name, data = kept["name"], base64.b64decode(kept["data"])
        plan, error = _check(person, name, data)
        if error is None and plan is not None:
            try:
                posts = planio.plan_import(actor=person, plan=plan, file_name=name)
            except planio.ImportRefused as refused:
                plan.problems = refused.problems
            else:
                del request.session[SESSION_KEY]
                messages.success(
                    request,
                    _("%(count)d draft posts were created; each goes through approval.")
                    % {"count": len(posts)},
                )
                return redirect("posts")
        context.update({"plan": plan, "file_error": error, "file_name": name})
        return render(request, "pages/plan_import.html", context)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = _("Choose a file to import.")
        elif upload.size is not None and upload.size > planio.MAX_FILE_BYTES:
            context["file_error"] = _("The file is larger than 5 MB: split it into several files.")
        else:
            name = upload.name or "plan.csv"
            data = upload.read()
            plan, error = _check(person, name, data)
            context.update({"plan": plan, "file_error": error, "file_name": name})
            if plan is not None and plan.ok:
                digest = hashlib.sha256(data).hexdigest()
                request.session[SESSION_KEY] = {
                    "name": name,
                    "digest": digest,
                    "data": base64.b64encode(data).decode("ascii"),
                }
                context["digest"] = digest
    return render(request, "pages/plan_import.html", context)


def _check(person: Person, name: str, data: bytes) -> tuple[planio.ImportPlan | None, str | None]:
    try:
        rows = planio.read_rows(name, data)
    except planio.PlanFileError as error:
        return None, str(error)
    return planio.check_rows(actor=person, rows=rows), None


@require_GET
def plan_import_example(request: HttpRequest) -> HttpResponse:
    """An example file with the documented columns, for the person's first brand."""
    _may_import(request)
    brand = brands_for(request.user, Perm.COMPOSE).filter(archived_at=None).order_by("name")[0]
    org = brand.organization
    handles = "; ".join(c.handle for c in brand.channels.filter(is_active=True)[:2])
    header = ["brand", "title", "scheduled_at", "channels"]
    header += [f"text_{lang}" for lang in org.official_languages] + ["pillar", "campaign"]
    when = (timezone.now() + timedelta(days=7)).astimezone(org.tz)
    row = [brand.name, _("Bridge works"), when.strftime("%Y-%m-%d 09:00"), handles]
    row += [_("The bridge reopens on Monday.") for _lang in org.official_languages] + ["", ""]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(row)
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="plan-example.csv"'
    return response


@require_http_methods(["GET", "POST"])
def account_calendar(request: HttpRequest) -> HttpResponse:
    """The person's calendar address: make one (shown once), or revoke it."""
    person = signed_in(request)
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed.feed_revoke(person=person)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("account-calendar")
        token = calendar_feed.feed_create(person=person)
        new_url = request.build_absolute_uri(reverse("calendar-feed", args=[token]))
    return render(
        request,
        "accounts/calendar.html",
        {"feed": calendar_feed.active_feed(person=person), "new_url": new_url},
    )


@login_not_required
@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in, the secret in the address is the key."""
    person = calendar_feed.feed_owner(token=token)
    if person is None:
        raise Http404(_("No such calendar"))
    posts = calendar_feed.feed_posts(person=person)
    body = calendar_feed.feed_calendar(
        posts=posts,
        post_url=lambda post: request.build_absolute_uri(reverse("post-detail", args=[post.pk])),
        name=_("Civic Desk plan"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
