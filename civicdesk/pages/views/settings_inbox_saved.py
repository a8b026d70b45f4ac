"""Settings: saved replies. Responders write them (a new draft version each time), approvers
and admins approve them; the inbox offers only approved versions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.inbox import saved_replies
from civicdesk.inbox.models import SavedReply, SavedReplyState, SavedReplyVersion
from civicdesk.organizations.access import Perm, brands_for, is_org_admin, organizations_for
from civicdesk.organizations.models import Brand, Organization
from civicdesk.pages.views.common import HtmxHttpRequest, run_action


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=120)
    brand = forms.ModelChoiceField(
        label=gettext_lazy("brand"),
        queryset=Brand.objects.none(),
        required=False,
        empty_label=gettext_lazy("All brands"),
    )
    link = forms.URLField(
        label=gettext_lazy("link"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("What {link} becomes in the text."),
    )

    def __init__(
        self, *args: Any, organization: Organization, brands: Any, editing: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands
        if editing:
            # A version changes the wording; the title and brand stay.
            del self.fields["title"], self.fields["brand"]
        for code in organization.official_languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": code.upper()},
                required=False,
                max_length=saved_replies.MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                help_text=_("Fields: {name}, {case_number}, {link}."),
            )

    def texts(self) -> dict[str, str]:
        return {
            name.removeprefix("text_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("text_")
        }


def _keeping_organizations(request: HtmxHttpRequest) -> Any:
    """The organizations where the person writes or approves saved replies, by name."""
    brands = Brand.objects.filter(
        Q(pk__in=brands_for(request.user, Perm.REPLY))
        | Q(pk__in=brands_for(request.user, Perm.APPROVE))
    )
    return (
        organizations_for(request.user)
        .filter(pk__in=brands.values("organization_id"))
        .order_by("name", "pk")
    )


@require_GET
def saved_replies_home(request: HtmxHttpRequest) -> HttpResponse:
    """The menu's way in: the saved replies of the person's (first) organization."""
    first = _keeping_organizations(request).first()
    if first is None:
        raise PermissionDenied(_("Your role does not allow writing saved replies here."))
    return redirect("settings-saved-replies", org_pk=first.pk)


def _organization(request: HtmxHttpRequest, org_pk: int) -> tuple[Organization, Any]:
    """The organization and the brands whose saved replies the person may work on (404 to
    outsiders, 403 to members who neither answer nor approve)."""
    org = get_object_or_404(organizations_for(request.user), pk=org_pk)
    brands = Brand.objects.filter(organization=org).filter(
        Q(pk__in=brands_for(request.user, Perm.REPLY))
        | Q(pk__in=brands_for(request.user, Perm.APPROVE))
    )
    if not brands.exists():
        raise PermissionDenied(_("Your role does not allow writing saved replies here."))
    return org, brands


def _page(
    request: HtmxHttpRequest,
    org: Organization,
    brands: Any,
    form: SavedReplyForm,
    editing: SavedReply | None,
) -> HttpResponse:
    rows = (
        SavedReply.objects.filter(organization=org)
        .filter(Q(brand__isnull=True) | Q(brand__in=brands))
        .select_related("brand", "approved")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=SavedReplyVersion.objects.filter(state=SavedReplyState.DRAFT),
                to_attr="drafts",
            )
        )
        .order_by("title", "pk")
    )
    user = request.user
    items = [
        {
            "saved": saved,
            "draft": saved.drafts[0] if saved.drafts else None,
            "may_approve": saved_replies.may_approve(user, org, saved.brand),
        }
        for saved in rows
    ]
    return render(
        request,
        "pages/settings/saved_replies.html",
        {
            "org": org,
            "items": items,
            "form": form,
            "editing": editing,
            # The settings tabs are an admin's; others see only this screen.
            "is_admin": is_org_admin(user, org),
            "other_organizations": _keeping_organizations(request).exclude(pk=org.pk),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_saved_replies(
    request: HtmxHttpRequest, org_pk: int, pk: int | None = None
) -> HttpResponse:
    """The saved replies; the form writes a new one, or a new version of the one named."""
    org, brands = _organization(request, org_pk)
    editing = None
    initial: dict[str, Any] = {}
    if pk:
        editing = get_object_or_404(
            SavedReply.objects.filter(Q(brand__isnull=True) | Q(brand__in=brands)),
            organization=org,
            pk=pk,
        )
        latest = editing.versions.order_by("-number").first()
        if latest is not None:
            initial = {"link": latest.link, **{f"text_{c}": t for c, t in latest.texts.items()}}
    form = SavedReplyForm(
        request.POST or None,
        initial=initial,
        organization=org,
        brands=brands,
        editing=editing is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if editing is not None:
            done = run_action(
                request,
                lambda: saved_replies.saved_reply_edit(
                    saved_reply=editing, texts=form.texts(), link=data["link"], actor=request.user
                ),
                _("A new version is waiting for approval."),
            )
        else:
            done = run_action(
                request,
                lambda: saved_replies.saved_reply_create(
                    organization=org,
                    brand=data["brand"],
                    title=data["title"],
                    texts=form.texts(),
                    link=data["link"],
                    actor=request.user,
                ),
                _("Saved; it is offered to responders once approved."),
            )
        if done:
            return redirect("settings-saved-replies", org_pk=org.pk)
    return _page(request, org, brands, form, editing)


@require_POST
def saved_reply_approve(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org, _brands = _organization(request, org_pk)
    version = get_object_or_404(
        SavedReplyVersion, saved_reply__organization=org, pk=request.POST.get("version") or 0
    )
    if version.saved_reply_id != pk:
        raise Http404
    run_action(
        request,
        lambda: saved_replies.saved_reply_approve(version=version, actor=request.user),
        _("Approved: responders use this version now."),
    )
    return redirect("settings-saved-replies", org_pk=org.pk)


@require_POST
def saved_reply_delete(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org, _brands = _organization(request, org_pk)
    saved = get_object_or_404(SavedReply, organization=org, pk=pk)
    run_action(
        request,
        lambda: saved_replies.saved_reply_delete(saved_reply=saved, actor=request.user),
        _("Saved reply removed."),
    )
    return redirect("settings-saved-replies", org_pk=org.pk)
