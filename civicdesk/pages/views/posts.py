"""The plan of posts, one post's page, and the workflow buttons on it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.core.http import signed_in
from civicdesk.organizations.access import Perm, brands_for, channels_for, has_perm
from civicdesk.pages.post_state import WAITING, overall_state, pauses
from civicdesk.pages.selectors import (
    PlanCursor,
    PlanFilters,
    plan_days,
    post_detail,
    posts_plan,
)
from civicdesk.pages.views.common import HtmxHttpRequest, int_param, post_for, run_action
from civicdesk.publishing import services
from civicdesk.publishing.checks import (
    captions_not_sent,
    reader_language,
    saved_bilingual_choices,
)
from civicdesk.publishing.models import PostStatus, Publication, PublicationState
from civicdesk.publishing.state import LIVE_OR_UNKNOWN
from civicdesk.rules import language_name


@require_GET
def posts_list(request: HtmxHttpRequest) -> HttpResponse:
    state = request.GET.get("state") or None
    filters = PlanFilters(
        brand=int_param(request.GET.get("brand")),
        channel=int_param(request.GET.get("channel")),
        state=state if state in PublicationState.values else None,
    )
    after = PlanCursor.parse(request.GET.get("after"))
    plan = posts_plan(user=request.user, filters=filters, after=after)
    paused = pauses({post.brand.organization for post in plan.posts})
    for post in plan.posts:
        post.overall = overall_state(
            post, list(post.publications.all()), paused.get(post.brand.organization_id)
        )
    days = plan_days(plan.posts)
    query = request.GET.copy()
    query.pop("after", None)
    first_url = f"?{query.urlencode()}" if query else "?"
    next_url = None
    if plan.next_cursor is not None:
        query["after"] = str(plan.next_cursor)
        next_url = f"?{query.urlencode()}"
    context = {
        "days": days,
        "paged": after is not None,
        "first_url": first_url,
        "next_url": next_url,
        "filters": filters,
        # Archived brands and their channels are not offered, here as everywhere.
        "brands": brands_for(request.user, Perm.VIEW).filter(archived_at=None).order_by("name"),
        "channels": channels_for(request.user, Perm.VIEW).filter(brand__archived_at=None),
        "states": PublicationState.choices,
    }
    template = "pages/posts.html#plan" if request.htmx else "pages/posts.html"
    return render(request, template, context)


@require_GET
def post_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post_for(request, pk, Perm.VIEW)
    post = post_detail(pk=pk)
    user = request.user
    brand = post.brand
    is_author = post.author_id == user.pk
    publications = list(post.publications.all())
    locked = any(p.state in LIVE_OR_UNKNOWN for p in publications)
    overall = overall_state(
        post, publications, pauses([brand.organization]).get(brand.organization_id)
    )
    reader = reader_language()
    context = {
        "post": post,
        "overall": overall,
        "language_names": {
            lang: language_name(lang, reader)
            for lang in {p.variant.language for p in publications}
            | {v.language for v in post.variants.all()}
        },
        "org": brand.organization,
        "publications": publications,
        "is_author": is_author,
        "can_compose": has_perm(user, brand, Perm.COMPOSE),
        "can_approve": has_perm(user, brand, Perm.APPROVE),
        "can_control": has_perm(user, brand, Perm.PUBLISH_CONTROL),
        "approvals_needed": services.approvals_needed(post),
        "named_approvers_missing": (
            services.named_approvers_missing(post) if post.status == PostStatus.IN_REVIEW else []
        ),
        "editable": post.status != PostStatus.CANCELLED and not locked,
        "retryable_states": {
            PublicationState.FAILED,
            PublicationState.MISSED,
            PublicationState.WITHHELD,
        },
        "held_states": WAITING,
        "captions_not_sent": captions_not_sent(post, list({p.channel: None for p in publications})),
        # Only for a post on an account asking for one bilingual post (no query otherwise).
        "bilingual": (
            [choice.explanation(reader) for choice in saved_bilingual_choices(post)]
            if any(p.channel.bilingual_post for p in publications)
            else []
        ),
    }
    return render(request, "pages/post_detail.html", context)


@require_POST
def post_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.COMPOSE)
    run_action(
        request,
        lambda: services.post_submit(post=post, actor=signed_in(request)),
        _("Sent for approval."),
    )
    return redirect("post-detail", pk=pk)


@require_POST
def post_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.APPROVE)
    comment = request.POST.get("comment", "")
    run_action(
        request,
        lambda: services.post_approve(post=post, actor=signed_in(request), comment=comment),
        _("Approved."),
    )
    return redirect("post-detail", pk=pk)


@require_POST
def post_send_back(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.APPROVE)
    comment = request.POST.get("comment", "")
    run_action(
        request,
        lambda: services.post_send_back(post=post, actor=signed_in(request), comment=comment),
        _("Sent back to the author."),
    )
    return redirect("post-detail", pk=pk)


@require_POST
def post_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.COMPOSE)
    run_action(
        request,
        lambda: services.post_cancel(post=post, actor=signed_in(request)),
        _("The post was cancelled; nothing more of it will go out."),
    )
    return redirect("post-detail", pk=pk)


@require_POST
def publication_retry(request: HtmxHttpRequest, pk: int, publication_pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.PUBLISH_CONTROL)
    publication = get_object_or_404(Publication, pk=publication_pk, post=post)
    run_action(
        request,
        lambda: services.publication_retry(publication=publication, actor=signed_in(request)),
        _("%(channel)s will be tried again now.") % {"channel": publication.channel},
    )
    return redirect("post-detail", pk=pk)


@require_POST
def publication_remove(request: HtmxHttpRequest, pk: int, publication_pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.PUBLISH_CONTROL)
    publication = get_object_or_404(Publication, pk=publication_pk, post=post)
    run_action(
        request,
        lambda: services.publication_remove(publication=publication, actor=signed_in(request)),
        _("Removing it from the platform; the record stays here."),
    )
    return redirect("post-detail", pk=pk)
