"""An author as the team sees them: their messages on our channels, and the tags the team
gave them (journalist, elected official…), which routing rules may act on."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.core.http import signed_in
from civicdesk.inbox import authors
from civicdesk.inbox.models import Author, AuthorTag, InboundMessage
from civicdesk.pages.inbox_selectors import author_messages, author_tags, tag_suggestions
from civicdesk.pages.views.common import HtmxHttpRequest, run_action


def _author_or_404(request: HtmxHttpRequest, pk: int) -> tuple[Author, list[InboundMessage]]:
    """The author and what they sent on the person's channels; 404 when nothing of theirs
    is visible (an author is known to a person only through their messages)."""
    person = get_object_or_404(Author.objects.select_related("organization"), pk=pk)
    history = author_messages(user=request.user, author=person)
    if not history:
        raise Http404(_("No such author"))
    return person, history


@require_GET
def author(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person, history = _author_or_404(request, pk)
    may_tag = authors.may_tag(request.user, person)
    return render(
        request,
        "pages/author.html",
        {
            "author": person,
            "history": history,
            "tags": author_tags(author_ids=[person.pk])[person.pk],
            "may_tag": may_tag,
            "tag_suggestions": tag_suggestions(organization=person.organization) if may_tag else [],
            "tag_text": request.GET.get("tag", "")[: authors.MAX_TAG],
        },
    )


@require_POST
def author_tag_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person, _history = _author_or_404(request, pk)
    text = request.POST.get("tag", "")
    done = run_action(
        request,
        lambda: authors.author_tag_add(author=person, tag=text, actor=signed_in(request)),
        _("Tagged “%(tag)s”; routing rules read it for this author's next messages.")
        % {"tag": authors.normalize_tag(text)},
    )
    response = redirect("author", pk=pk)
    if not done:
        # A refused tag stays in the field, to be corrected.
        response["Location"] += "?" + urlencode({"tag": text[: authors.MAX_TAG]})
    return response


@require_POST
def author_tag_remove(request: HtmxHttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    person, _history = _author_or_404(request, pk)
    tag = get_object_or_404(AuthorTag, author=person, pk=tag_pk)
    run_action(
        request,
        lambda: authors.author_tag_remove(tag=tag, actor=signed_in(request)),
        _("Tag “%(tag)s” removed.") % {"tag": tag.tag},
    )
    return redirect("author", pk=pk)
