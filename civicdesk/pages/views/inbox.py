"""The inbox: conversations, one conversation with its reply form, an author's history."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from civicdesk.inbox import services
from civicdesk.inbox.models import (
    Author,
    Conversation,
    ConversationStatus,
    InboundMessage,
    ReplyState,
)
from civicdesk.organizations.access import Perm, brands_for, channels_for, has_perm, require
from civicdesk.pages.forms import (
    CATEGORY_CHOICES,
    URGENCY_CHOICES,
    CorrectionForm,
    ReplyForm,
    StatusForm,
)
from civicdesk.pages.inbox_selectors import (
    InboxFilters,
    attach_latest_messages,
    author_messages,
    conversation_thread,
    conversations_for,
    visible_conversation,
)
from civicdesk.pages.views.common import HtmxHttpRequest, int_param, run_action

PAGE_SIZE = 50


def _choice(value: str | None, choices: list[tuple[str, str]]) -> str | None:
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
    )
    page = Paginator(conversations_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        get.get("page"))
    conversations = list(page.object_list)
    attach_latest_messages(conversations)
    query = get.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "conversations": conversations,
        "filters": filters,
        "query": query.urlencode(),
        "brands": brands_for(request.user, Perm.VIEW).order_by("name"),
        "channels": channels_for(request.user, Perm.VIEW),
        "statuses": ConversationStatus.choices,
        "categories": CATEGORY_CHOICES,
        "urgencies": URGENCY_CHOICES,
    }
    template = "pages/inbox.html#list" if request.htmx else "pages/inbox.html"
    return render(request, template, context)


def _conversation_or_404(request: HtmxHttpRequest, pk: int) -> Conversation:
    conversation = visible_conversation(user=request.user, pk=pk)
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def reply_limitation(convo: Conversation) -> str:
    """Why this conversation cannot be answered from here, or "" when it can."""
    from civicdesk.connectors.base import Capability
    from civicdesk.connectors.registry import limitation, supports

    platform = convo.channel.platform
    needed = Capability.DIRECT_MESSAGES if convo.is_direct else Capability.REPLY
    if supports(platform, needed):
        # A direct message may be answerable only under conditions (a 24-hour window).
        return limitation(platform, needed) if convo.is_direct else ""
    return limitation(platform, needed) or (
        f"{convo.channel.get_platform_display()} does not let us answer this from Civic Desk."
    )


@require_GET
def conversation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    brand = convo.channel.brand
    require(request.user, brand, Perm.VIEW)
    thread = conversation_thread(conversation=convo)
    inbound = [e.message for e in thread if e.message is not None]
    pending = any(
        e.reply is not None and e.reply.state in (ReplyState.QUEUED, ReplyState.SENDING)
        for e in thread
    )
    context = {
        "conversation": convo,
        "org": brand.organization,
        "thread": thread,
        "can_reply": has_perm(request.user, brand, Perm.REPLY),
        "reply_limit": reply_limitation(convo),
        "reply_form": ReplyForm(initial={"message": inbound[-1].pk} if inbound else None),
        "reply_to": inbound[-1] if inbound else None,
        "pending": pending,
        "categories": CATEGORY_CHOICES,
        "urgencies": URGENCY_CHOICES,
    }
    template = "pages/conversation.html#thread" if request.htmx else "pages/conversation.html"
    return render(request, template, context)


@require_POST
def conversation_reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    form = ReplyForm(request.POST)
    if form.is_valid():
        message = get_object_or_404(InboundMessage, pk=form.cleaned_data["message"],
                                    conversation=convo)
        run_action(request, lambda: services.reply_create(
            message=message, actor=request.user, text=form.cleaned_data["text"]),
            "Your reply is queued; it shows as sent once the platform has it.")
    else:
        messages.error(request, "Write a reply first.")
    return redirect("conversation", pk=pk)


@require_POST
def conversation_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    convo = _conversation_or_404(request, pk)
    require(request.user, convo.channel.brand, Perm.REPLY)
    form = StatusForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        run_action(request, lambda: services.conversation_set_status(
            conversation=convo, actor=request.user, status=status),
            "Closed." if status == ConversationStatus.CLOSED else "Reopened.")
    return redirect("conversation", pk=pk)


@require_POST
def message_correct(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(
        InboundMessage.objects.select_related("channel__brand"),
        pk=pk, channel__in=channels_for(request.user, Perm.VIEW),
    )
    require(request.user, message.channel.brand, Perm.REPLY)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        field, value = form.cleaned_data["field"], form.cleaned_data["value"]
        if value != getattr(message, field):
            run_action(request, lambda: services.message_correct(
                message=message, actor=request.user, field=field, value=value),
                f"Corrected the {field}; the correction is kept to improve the model.")
    return redirect("conversation", pk=message.conversation_id)


@require_GET
def author(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Author, pk=pk)
    history = author_messages(user=request.user, author=person)
    if not history:
        raise Http404("No such author")
    return render(request, "pages/author.html", {"author": person, "history": history})
