"""The inbox: conversations, one conversation with its reply box (answering any of its
messages, measured as the platform counts, never over a colleague's fresh answer), its
status, who holds it and who has it open, refused replies sent again, an author's history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from civicdesk.claims import selectors as claim_selectors
from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import limitation, reply_refusal
from civicdesk.core.http import signed_in
from civicdesk.inbox import bulk, notes, saved_replies, services
from civicdesk.inbox.experts import is_expert_on
from civicdesk.inbox.limits import measure_reply, reply_length_problem
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    InboundMessage,
    Reply,
)
from civicdesk.inbox.state import CONVERSATION_TRANSITIONS, PENDING
from civicdesk.organizations.access import Perm, brands_for, channels_for, has_perm, require
from civicdesk.pages.forms import (
    CATEGORY_CHOICES,
    URGENCY_CHOICES,
    CorrectionForm,
    ReplyForm,
    StatusForm,
)
from civicdesk.pages.inbox_selectors import (
    Cursor,
    InboxFilters,
    attach_latest_messages,
    author_tags,
    colleagues_for_bulk,
    conversation_notes,
    conversation_thread,
    inbox_by_time_left,
    inbox_page,
    newest_reply_id,
    responders_for,
    unread_notifications,
    visible_conversation,
    visible_conversation_ids,
)
from civicdesk.pages.views.common import HtmxHttpRequest, int_param, run_action

PAGE_SIZE = 50
ASSIGNEE_CHOICES = [("me", gettext_lazy("Mine")), ("nobody", gettext_lazy("Nobody's"))]
TIME_LEFT_CHOICES = [
    ("hour", gettext_lazy("Due within the hour")),
    ("late", gettext_lazy("Overdue")),
]
BULK_CHOICES = [
    (bulk.BulkAction.ASSIGN_ME, gettext_lazy("Assign to me")),
    (bulk.BulkAction.ASSIGN, gettext_lazy("Assign to…")),
    (bulk.BulkAction.CLOSE, gettext_lazy("Close")),
    (bulk.BulkAction.SPAM, gettext_lazy("Mark as spam")),
]


def _choice(value: str | None, choices: Sequence[tuple[str, object]]) -> str | None:
    return value if value in {c[0] for c in choices} else None


@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    get = request.GET
    filters = InboxFilters(
        brand=int_param(get.get("brand")),
        channel=int_param(get.get("channel")),
        status=_choice(get.get("status"), ConversationStatus.choices),
        category=_choice(get.get("category"), CATEGORY_CHOICES),
        urgency=_choice(get.get("urgency"), URGENCY_CHOICES),
        # "me", "nobody" or a person's id (only the conversations the user sees are listed).
        assignee=_choice(get.get("assignee"), ASSIGNEE_CHOICES)
        or (str(int_param(get.get("assignee")) or "") or None),
        area=get.get("area", "")[:100] or None,
        label=get.get("label", "").strip()[:40] or None,
        time_left=_choice(get.get("time_left"), TIME_LEFT_CHOICES),
    )
    by_time_left = get.get("sort") == "due"
    if by_time_left:
        page = inbox_by_time_left(user=request.user, filters=filters, size=PAGE_SIZE)
    else:
        page = inbox_page(
            user=request.user,
            filters=filters,
            before=Cursor.parse(get.get("before")),
            after=Cursor.parse(get.get("after")),
            size=PAGE_SIZE,
        )
    attach_latest_messages(page.conversations)
    people = colleagues_for_bulk(user=request.user)
    # The filters, without the place: "Newer" and "Older" add their own cursor.
    query = get.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    context = {
        "page": page,
        "conversations": page.conversations,
        "filters": filters,
        "query": query.urlencode(),
        "brands": brands_for(request.user, Perm.VIEW).order_by("name"),
        "channels": channels_for(request.user, Perm.VIEW),
        "statuses": ConversationStatus.choices,
        "categories": CATEGORY_CHOICES,
        "urgencies": URGENCY_CHOICES,
        "notifications": [] if request.htmx else unread_notifications(user=signed_in(request)),
        "by_time_left": by_time_left,
        "assignees": ASSIGNEE_CHOICES,
        "time_left_choices": TIME_LEFT_CHOICES,
        "bulk_actions": BULK_CHOICES,
        "bulk_people": people,
        # Someone who may answer somewhere is among the colleagues: no query of its own.
        "can_bulk": any(person.pk == request.user.pk for person in people),
        "now": timezone.now(),
    }
    template = "pages/inbox.html#list" if request.htmx else "pages/inbox.html"
    return render(request, template, context)


@require_POST
def inbox_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Assign, close or mark as spam the conversations ticked in the list."""
    action = request.POST.get("action", "")
    ids = [i for i in (int_param(v) for v in request.POST.getlist("c")) if i]
    chosen = int_param(request.POST.get("assignee"))
    assignee = next((u for u in colleagues_for_bulk(user=request.user) if u.pk == chosen), None)
    # Only conversations the person can see: the rest are "not found", as one by one.
    visible = visible_conversation_ids(user=request.user, ids=ids[: bulk.MAX_BULK])
    try:
        result = bulk.conversations_bulk(
            conversation_ids=visible, actor=request.user, action=action, assignee=assignee
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        refused = len(result.refused) + len(ids) - len(visible)
        messages.success(
            request,
            ngettext("%(n)d conversation done.", "%(n)d conversations done.", len(result.done))
            % {"n": len(result.done)},
        )
        if refused:
            messages.error(
                request,
                ngettext(
                    "%(n)d refused: your role does not allow it there.",
                    "%(n)d refused: your role does not allow it there.",
                    refused,
                )
                % {"n": refused},
            )
    query = request.POST.get("query", "")
    return redirect(f"{reverse('inbox')}?{query}" if query else reverse("inbox"))


def _conversation_or_404(request: HtmxHttpRequest, pk: int) -> Conversation:
    conversation = visible_conversation(user=request.user, pk=pk)
    if conversation is None:
        raise Http404(_("No such conversation"))
    return conversation


def reply_limitation(convo: Conversation) -> str:
    """Why this conversation cannot be answered from here, the conditions under which it
    can, or "" when it simply can."""
    refusal = reply_refusal(convo.channel, direct=convo.is_direct)
    if refusal or not convo.is_direct:
        return refusal
    # A direct message may be answerable only under conditions (a 24-hour window).
    return limitation(convo.channel, Capability.DIRECT_MESSAGES)


def _reply_target(inbound: list[InboundMessage], to: int | None) -> InboundMessage | None:
    """The message the reply box answers: the one asked for, else the newest."""
    chosen = next((m for m in inbound if m.pk == to), None) if to else None
    return chosen or (inbound[-1] if inbound else None)


def _count(convo: Conversation, text: str) -> dict[str, Any]:
    """What the reply box's counter shows: the length as the platform counts it."""
    text = text.strip()
    measurement = measure_reply(channel=convo.channel, text=text, direct=convo.is_direct)
    if measurement is None:
        return {"measurement": None, "length": len(text)}
    platform = convo.channel.get_platform_display()
    return {
        "measurement": measurement,
        "over": max(0, -measurement.remaining),
        "problem": reply_length_problem(measurement, platform_name=platform),
    }


def _conversation_context(
    request: HtmxHttpRequest,
    convo: Conversation,
    *,
    to: int | None = None,
    text: str = "",
    reply_error: str = "",
    retry_pk: int | None = None,
    retry_text: str = "",
    retry_error: str = "",
    focus_reply: bool = False,
    before: Cursor | None = None,
    collision: Reply | None = None,
    saved: int | None = None,
    correction: int | None = None,
) -> dict[str, Any]:
    brand = convo.channel.brand
    thread, earlier = conversation_thread(conversation=convo, before=before)
    inbound = [e.message for e in thread]
    reply_to = _reply_target(inbound, to)
    pending = any(a.reply.state in PENDING for e in thread for a in e.replies)
    can_reply = has_perm(request.user, brand, Perm.REPLY)
    # Saved replies: offered in the author's language first; one inserted fills the box.
    offers = saved_replies.offers_for(message=reply_to) if can_reply and reply_to else []
    inserted = (
        saved_replies.insertion(saved_reply_id=saved, message=reply_to)
        if saved and offers
        else None
    )
    if inserted is not None:
        text, focus_reply = inserted, True
    # Claims the message repeats: their approved correction, in the author's language first.
    corrections = (
        claim_selectors.correction_offers(message=reply_to) if can_reply and reply_to else []
    )
    corrected = next((o for o in corrections if o.claim.pk == correction), None)
    if corrected is not None:
        text, focus_reply = corrected.text, True
    return {
        **(_count(convo, text) if can_reply else {}),
        "focus_reply": focus_reply or bool(reply_error),
        "conversation": convo,
        "org": brand.organization,
        "thread": thread,
        "earlier": earlier,
        "before": before,
        "can_reply": can_reply,
        "reply_limit": reply_limitation(convo),
        # The reply action refuses the same (registry.reply_refusal): no form to fill in vain.
        "reply_refused": bool(reply_refusal(convo.channel, direct=convo.is_direct)),
        "reply_to": reply_to,
        "reply_text": text,
        "reply_error": reply_error,
        "retry_pk": retry_pk,
        "retry_text": retry_text,
        "retry_error": retry_error,
        "pending": pending,
        "categories": CATEGORY_CHOICES,
        "urgencies": URGENCY_CHOICES,
        # The composer sends this back: a colleague's reply newer than it stops ours.
        "seen_reply": newest_reply_id(conversation=convo),
        "collision": collision,
        "saved_offers": offers,
        "saved_inserted": saved if inserted is not None else None,
        "correction_offers": corrections,
        "correction_inserted": correction if corrected is not None else None,
        "next_statuses": [
            (value, label)
            for value, label in ConversationStatus.choices
            if value in CONVERSATION_TRANSITIONS[convo.status]
        ],
        "assignees": responders_for(brand=brand) if can_reply else [],
        "holds_it": convo.assigned_to_id == request.user.pk,
        # The team's side: notes beside the reply box, the experts' areas.
        "notes": conversation_notes(conversation=convo),
        "may_note": can_reply or is_expert_on(request.user, convo),
        "areas": list(brand.organization.business_areas.all()) if can_reply else [],
        # What the team knows of the authors (journalist, elected official…).
        "author_tags": author_tags(author_ids=sorted({m.author_id for m in inbound})),
    }


@require_GET
def conversation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    # Seen through a channel of theirs or as an expert of the area it was routed to.
    convo = _conversation_or_404(request, pk)
    if not request.htmx:
        notes.notifications_read(user=signed_in(request), conversation=convo)
    # "Reply" on a message swaps in a reply box for it, keeping what was typed (with htmx).
    box = bool(request.htmx) and request.htmx.target == "reply-box"
    context = _conversation_context(
        request,
        convo,
        to=int_param(request.GET.get("to")),
        text=request.GET.get("text", "")[: services.MAX_REPLY] if box else "",
        focus_reply=box,
        before=Cursor.parse(request.GET.get("before")),
        saved=int_param(request.GET.get("saved")),
        correction=int_param(request.GET.get("correction")),
    )
    if request.htmx:
        template = "pages/conversation.html#reply-box" if box else "pages/conversation.html#thread"
    else:
        template = "pages/conversation.html"
    return render(request, template, context)


@require_POST
def conversation_reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply first."))
        return redirect("conversation", pk=pk)
    message = get_object_or_404(InboundMessage, pk=form.cleaned_data["message"], conversation=convo)
    text = form.cleaned_data["text"]
    try:
        services.reply_create(
            message=message,
            actor=signed_in(request),
            text=text,
            seen_reply=int_param(request.POST.get("seen")) or 0,
            saved_reply=int_param(request.POST.get("saved")),
        )
    except services.ReplyCollision as collision:
        # Stopped: their reply is shown above the box, ours kept, to be sent or dropped.
        context = _conversation_context(
            request,
            convo,
            to=message.pk,
            text=text,
            reply_error=" ".join(collision.messages),
            collision=collision.other,
        )
        return render(request, "pages/conversation.html", context, status=409)
    except ValidationError as error:
        # Shown beside the box, with the text kept, so it can be shortened and sent.
        context = _conversation_context(
            request, convo, to=message.pk, text=text, reply_error=" ".join(error.messages)
        )
        return render(request, "pages/conversation.html", context)
    messages.success(request, _("Your reply is queued; it shows as sent once the platform has it."))
    return redirect(f"{reverse('conversation', args=[pk])}#m{message.pk}")


@require_POST
def reply_measure(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The live count of a reply being written, as its platform counts it."""
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    text = request.POST.get("text", "")[: services.MAX_REPLY]
    return render(request, "pages/conversation.html#count", _count(convo, text))


@require_POST
def reply_retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Send again, edited, a reply the platform refused."""
    reply = get_object_or_404(
        Reply.objects.select_related("conversation"),
        pk=pk,
        conversation__channel__in=channels_for(request.user, Perm.VIEW),
    )
    convo = _conversation_or_404(request, reply.conversation_id)
    require(request.user, convo.channel.brand, Perm.REPLY)
    text = request.POST.get("text", "")
    try:
        new = services.reply_retry(reply=reply, actor=signed_in(request), text=text)
    except ValidationError as error:
        context = _conversation_context(
            request, convo, retry_pk=reply.pk, retry_text=text, retry_error=" ".join(error.messages)
        )
        return render(request, "pages/conversation.html", context)
    messages.success(request, _("Sent again as a new attempt; the refused one stays on record."))
    return redirect(f"{reverse('conversation', args=[convo.pk])}#r{new.pk}")


@require_POST
def conversation_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    form = StatusForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        run_action(
            request,
            lambda: services.conversation_set_status(
                conversation=convo, actor=signed_in(request), status=status
            ),
            _("Now: %(status)s.") % {"status": ConversationStatus(status).label},
        )
    return redirect("conversation", pk=pk)


@require_POST
def conversation_assign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Give the conversation to someone who may answer on its brand, or to nobody."""
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    chosen = int_param(request.POST.get("assignee"))
    assignee = next((u for u in responders_for(brand=convo.channel.brand) if u.pk == chosen), None)
    if chosen and assignee is None:
        messages.error(request, _("That person cannot answer on this brand."))
        return redirect("conversation", pk=pk)
    run_action(
        request,
        lambda: services.conversation_assign(
            conversation=convo, actor=signed_in(request), assignee=assignee
        ),
        _("Assigned to %(name)s.") % {"name": assignee.get_username()}
        if assignee
        else _("Nobody holds it now."),
    )
    return redirect("conversation", pk=pk)


@require_POST
def conversation_take(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The person says "I'm on it"."""
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    run_action(
        request,
        lambda: services.conversation_take(conversation=convo, actor=signed_in(request)),
        _("You are on it; your colleagues see your name on it."),
    )
    return redirect("conversation", pk=pk)


@require_POST
def conversation_release(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    run_action(
        request,
        lambda: services.conversation_release(conversation=convo, actor=signed_in(request)),
        _("Released; it is back with the team."),
    )
    return redirect("conversation", pk=pk)


@require_POST
def conversation_presence(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The page says "I am here (and writing)" and is told who else is."""
    convo = _conversation_or_404(request, pk)
    writing = bool(request.POST.get("text", "").strip())
    services.presence_touch(conversation=convo, actor=signed_in(request), writing=writing)
    others = services.presence_others(conversation=convo, actor=signed_in(request))
    return render(
        request,
        "pages/conversation.html#presence",
        {"conversation": convo, "others": others},
    )


@require_POST
def conversation_note(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An internal note for the team; never sent to the public."""
    convo = _conversation_or_404(request, pk)
    text = request.POST.get("text", "")
    run_action(
        request,
        lambda: notes.note_create(conversation=convo, actor=signed_in(request), text=text),
        _("Note added for the team; the public does not see it."),
    )
    return redirect(f"{reverse('conversation', args=[pk])}#notes")


@require_POST
def conversation_ask_expert(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    area = get_object_or_404(
        convo.channel.brand.organization.business_areas, pk=int_param(request.POST.get("area"))
    )
    run_action(
        request,
        lambda: notes.conversation_ask_expert(
            conversation=convo, actor=signed_in(request), area=area
        ),
        _("Sent to %(area)s; its experts see it now.") % {"area": area.name},
    )
    return redirect("conversation", pk=pk)


@require_POST
def conversation_hand_back(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    run_action(
        request,
        lambda: notes.conversation_hand_back(conversation=convo, actor=signed_in(request)),
        _("Handed back to the responders."),
    )
    return redirect("conversation", pk=pk)


@require_POST
def message_correct(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(
        InboundMessage.objects.select_related("channel__brand"),
        pk=pk,
        channel__in=channels_for(request.user, Perm.VIEW),
    )
    require(request.user, message.channel.brand, Perm.REPLY)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        field, value = form.cleaned_data["field"], form.cleaned_data["value"]
        if value != getattr(message, field):
            run_action(
                request,
                lambda: services.message_correct(
                    message=message, actor=signed_in(request), field=field, value=value
                ),
                _("Corrected; the correction is kept to improve the model."),
            )
    return redirect("conversation", pk=message.conversation_id)
