"""The exercise network's public pages: a timeline, an account, a post with its thread.

Anyone may read them, as on a real network. All text is the public's, so templates rely on
autoescaping and never mark user text safe.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicdesk.exnet import selectors, services
from civicdesk.exnet.bodies import is_handle, is_id
from civicdesk.exnet.models import NetAccount, NetPost


def _account_or_404(handle: str) -> NetAccount:
    # A handle of another shape names no one; asking the database could fail on it (NUL).
    account = (
        NetAccount.objects.filter(handle__iexact=handle).first() if is_handle(handle) else None
    )
    if account is None:
        raise Http404(_("no such account"))
    return account


@login_not_required
def timeline(request: HttpRequest) -> HttpResponse:
    posts = selectors.timeline(limit=50)
    return render(request, "exnet/timeline.html", {"posts": posts})


@login_not_required
def account_page(request: HttpRequest, handle: str) -> HttpResponse:
    account = _account_or_404(handle)
    posts = list(
        NetPost.objects.filter(account=account, deleted_at=None)
        .select_related("account", "in_reply_to__account")
        .prefetch_related("media")[:50]
    )
    metrics = selectors.account_metrics(account)
    return render(
        request, "exnet/account.html", {"account": account, "posts": posts, "metrics": metrics}
    )


@login_not_required
def post_page(request: HttpRequest, handle: str, post_id: int) -> HttpResponse:
    account = _account_or_404(handle)
    if not is_id(post_id):
        raise Http404(_("no such post"))
    post = (
        NetPost.objects.select_related("account", "in_reply_to__account")
        .prefetch_related("media")
        .filter(pk=post_id, account=account, deleted_at=None)
        .first()
    )
    if post is None:
        raise Http404(_("no such post"))
    services.record_impressions(post_ids=[post.pk])
    return render(
        request,
        "exnet/post.html",
        {
            "post": post,
            "replies": selectors.thread_replies(post),
            "metrics": selectors.post_metrics(post),
        },
    )
