"""The policy pages: read the policy in force and its history; admins edit, upload, restore.
And the inbox's moderation form, which cites the policy's clauses."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.core.http import HtmxHttpRequest, signed_in
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.access import (
    Perm,
    channels_for,
    is_org_admin,
    organizations_for,
    require,
)
from civicdesk.organizations.models import Organization
from civicdesk.policies import moderation, removal, selectors, services
from civicdesk.policies.form_editor import PolicyFormEditor
from civicdesk.policies.forms import ModerateForm, PolicyEditorForm, PolicyUploadForm
from civicdesk.policies.models import ModerationAction, ModerationKind, PlatformResult


def _organization(request: HtmxHttpRequest, org_pk: int) -> Organization:
    """The organization, if the user belongs to it (404 otherwise)."""
    organization = organizations_for(request.user).filter(pk=org_pk).first()
    if organization is None:
        raise Http404(_("No such organization"))
    return organization


def _admin_organization(request: HtmxHttpRequest, org_pk: int) -> Organization:
    """The organization, if the user is one of its admins (404 to outsiders, 403 to members)."""
    organization = _organization(request, org_pk)
    services.require_policy_admin(request.user, organization)
    return organization


@require_GET
def policy_home(request: HtmxHttpRequest) -> HttpResponse:
    organization = organizations_for(request.user).order_by("name").first()
    if organization is None:
        raise Http404(_("You do not belong to an organization."))
    return redirect("policy", org_pk=organization.pk)


def _page(
    request: HtmxHttpRequest,
    organization: Organization,
    *,
    editor: PolicyEditorForm | None = None,
    problem: ValidationError | None = None,
) -> HttpResponse:
    in_force = selectors.policy_in_force(organization)
    is_admin = is_org_admin(request.user, organization)
    if editor is None and is_admin:
        editor = PolicyEditorForm(
            initial={"document": selectors.current_document(organization), "base": in_force.number}
        )
    context = {
        "org": organization,
        "organizations": organizations_for(request.user).order_by("name"),
        "in_force": in_force,
        "policy": in_force.policy,
        "language": get_language(),
        "versions": selectors.policy_versions(organization),
        "is_admin": is_admin,
        "editor": editor,
        "problem": problem,
        "upload": PolicyUploadForm() if is_admin else None,
    }
    return render(request, "policies/policy.html", context)


@require_GET
def policy_page(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    return _page(request, _organization(request, org_pk))


@require_POST
def policy_save(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _admin_organization(request, org_pk)
    form = PolicyEditorForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, editor=form)
    try:
        version = services.policy_save(
            organization=organization,
            actor=signed_in(request),
            yaml_text=form.cleaned_data["document"],
            note=form.cleaned_data["note"],
            base_number=form.cleaned_data["base"],
        )
    except ValidationError as error:
        # The text stays in the editor, with the problem beside it.
        return _page(request, organization, editor=form, problem=error)
    messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
    return redirect("policy", org_pk=organization.pk)


@require_http_methods(["GET", "POST"])
def policy_form(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    """The policy's common settings as a form; saving makes a version like the YAML editor."""
    organization = _admin_organization(request, org_pk)
    in_force = selectors.policy_in_force(organization)
    editor = PolicyFormEditor(
        policy=in_force.policy,
        base=in_force.number,
        official_languages=organization.official_languages,
        data=request.POST if request.method == "POST" else None,
    )
    if request.method == "POST" and editor.is_valid():
        try:
            version = services.policy_save_settings(
                organization=organization,
                actor=signed_in(request),
                policy=editor.policy(),
                note=editor.settings.cleaned_data["note"],
                base_number=editor.settings.cleaned_data["base"],
            )
        except ValidationError as error:
            # Everything typed stays in the form, the problem beside its field.
            editor.add_problem(error)
        else:
            messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
            return redirect("policy", org_pk=organization.pk)
    context = {"org": organization, "in_force": in_force, "editor": editor}
    return render(request, "policies/policy_form.html", context)


@require_POST
def policy_validate(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    """The editor's check as you type: a partial saying what is wrong, and where."""
    organization = _admin_organization(request, org_pk)
    document = services.normalize_document(request.POST.get("document", ""))
    problem: ValidationError | None = None
    try:
        services.validate_document(document)
    except ValidationError as error:
        problem = error
    return render(
        request,
        "policies/policy.html#problems",
        {"org": organization, "problem": problem, "checked": True},
    )


@require_GET
def policy_export(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    number = selectors.policy_in_force(organization).number
    response = HttpResponse(
        selectors.policy_export(organization), content_type="application/yaml; charset=utf-8"
    )
    name = f"{organization.slug or 'organization'}-policy-v{number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def policy_import(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _admin_organization(request, org_pk)
    form = PolicyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a .yaml or .yml file to upload."))
        return redirect("policy", org_pk=organization.pk)
    try:
        version = services.policy_import(
            organization=organization,
            actor=signed_in(request),
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
    return redirect("policy", org_pk=organization.pk)


@require_POST
def policy_restore(request: HtmxHttpRequest, org_pk: int, number: int) -> HttpResponse:
    organization = _admin_organization(request, org_pk)
    try:
        version = services.policy_restore(
            organization=organization, actor=signed_in(request), number=number
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s saved (a copy of version %(copied)s).")
            % {"number": version.number, "copied": number}
            if number
            else _("Version %(number)s saved (a copy of the defaults).")
            % {"number": version.number},
        )
    return redirect("policy", org_pk=organization.pk)


@require_GET
def policy_version(request: HtmxHttpRequest, org_pk: int, number: int) -> HttpResponse:
    """One version's text and what changed from the one before (version 1: the defaults)."""
    organization = _organization(request, org_pk)
    version = get_object_or_404(
        organization.policy_versions.select_related("created_by"), number=number
    )
    before = selectors.version_document(organization, number - 1) or ""
    diff = selectors.policy_diff(
        before,
        version.document,
        before_name=f"version {number - 1}" if number > 1 else "defaults",
        after_name=f"version {number}",
    )
    context = {
        "org": organization,
        "version": version,
        "diff": diff,
        "is_admin": is_org_admin(request.user, organization),
        "latest": organization.policy_versions.order_by("-number")
        .values_list("number", flat=True)
        .first(),
    }
    template = "policies/version.html#diff" if request.htmx else "policies/version.html"
    return render(request, template, context)


@require_POST
def message_moderate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(
        InboundMessage.objects.select_related("channel__brand"),
        pk=pk,
        channel__in=channels_for(request.user, Perm.VIEW),
    )
    require(request.user, message.channel.brand, Perm.REPLY)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the message."))
    else:
        kind, clause = form.cleaned_data["action"], form.cleaned_data["clause"]
        actor = signed_in(request)
        try:
            if kind == ModerationKind.HIDE:
                action = moderation.message_hide(message=message, actor=actor, clause_id=clause)
            elif kind == ModerationKind.DELETE:
                action = removal.message_delete(message=message, actor=actor, clause_id=clause)
            elif kind == ModerationKind.BLOCK:
                action = removal.author_block(message=message, actor=actor, clause_id=clause)
            else:
                action = moderation.message_unhide(message=message, actor=actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if kind in (ModerationKind.DELETE, ModerationKind.BLOCK):
                _report_removal(request, action)
            else:
                _report(request, action)
    return redirect(f"{reverse('conversation', args=[message.conversation_id])}#m{message.pk}")


def _report_removal(request: HtmxHttpRequest, action: ModerationAction) -> None:
    """Say plainly whether the platform deleted the comment or blocked the author."""
    handle = action.message.author.handle
    if action.platform_result == PlatformResult.DONE:
        if action.action == ModerationKind.DELETE:
            messages.success(request, _("Deleted from the platform."))
        else:
            messages.success(
                request, _("@%(handle)s is blocked on the platform.") % {"handle": handle}
            )
        return
    detail = {"detail": action.platform_detail, "handle": handle}
    if action.action == ModerationKind.DELETE:
        messages.warning(request, _("The platform did not delete the comment: %(detail)s") % detail)
    else:
        messages.warning(request, _("The platform did not block @%(handle)s: %(detail)s") % detail)


def _report(request: HtmxHttpRequest, action: ModerationAction) -> None:
    """Say plainly what happened here and on the platform."""
    hidden = action.action == ModerationKind.HIDE
    detail = {"detail": action.platform_detail}
    if action.platform_result == PlatformResult.DONE:
        messages.success(
            request,
            _("Hidden here and on the platform.")
            if hidden
            else _("Shown again here and on the platform."),
        )
    elif action.platform_result == PlatformResult.UNSUPPORTED:
        messages.warning(
            request,
            (
                _("Hidden in Civic Desk only: %(detail)s.")
                if hidden
                else _("Shown again in Civic Desk only: %(detail)s.")
            )
            % detail,
        )
    else:
        messages.warning(
            request,
            (
                _("Hidden in Civic Desk, but the platform did not follow: %(detail)s")
                if hidden
                else _("Shown again in Civic Desk, but the platform did not follow: %(detail)s")
            )
            % detail,
        )
