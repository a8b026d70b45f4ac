"""Changing the policy: save a new version (from the YAML editor or the form), restore an old
one, import a file.

Only the organization's admins change its policy. Every change is a new numbered version
(nothing is edited in place), written by ``_new_version`` in one transaction with its audit
event, whichever editor it comes from.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from civicdesk.organizations.access import User, is_org_admin, organizations_for
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization
from civicdesk.policies.models import PolicyVersion
from civicdesk.policies.selectors import (
    digest_of,
    document_problem,
    shipped_document,
    version_document,
)
from civicdesk.rules import Policy, policy_from_yaml, policy_to_yaml

MAX_DOCUMENT_BYTES = 256 * 1024
IMPORT_EXTENSIONS = (".yaml", ".yml")
MAX_NOTE = 500


def require_policy_admin(user: User, organization: Organization) -> None:
    """404 to someone outside the organization, 403 to a member who is not an admin of it."""
    if not organizations_for(user).filter(pk=organization.pk).exists():
        raise Http404(_("No such organization"))
    if not is_org_admin(user, organization):
        raise PermissionDenied(_("Only the organization's admins can change its policy."))


def normalize_document(text: str) -> str:
    """One kind of line ending and one final newline: browsers send a textarea with CRLF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return f"{text}\n" if text else ""


def validate_document(document: str) -> None:
    """Raise a ValidationError naming the bad field (and its line) if ``document`` is unusable."""
    if not document.strip():
        raise ValidationError(_("The policy document is empty."), code="empty")
    if len(document.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The policy document is larger than 256 kB."), code="too_large")
    problem = document_problem(document)
    if problem is not None:
        raise ValidationError(
            _("%(where)s: %(problem)s"),
            code="invalid",
            params={
                "where": problem.where,
                "path": problem.path,
                "line": problem.line,
                "problem": problem.problem,
            },
        )


@transaction.atomic
def _new_version(
    *,
    organization: Organization,
    actor: Person,
    document: str,
    note: str,
    base_number: int | None,
    action: str,
    data: dict[str, Any],
    same_meaning_is_unchanged: bool = False,
) -> PolicyVersion:
    # Lock the organization's row so two saves cannot take the same number (PostgreSQL);
    # SQLite's IMMEDIATE transactions already serialize writers.
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk").first()
    latest = PolicyVersion.objects.filter(organization=organization).order_by("-number").first()
    number = latest.number if latest else 0
    if base_number is not None and base_number != number:
        who = latest.created_by.get_username() if latest else "someone"
        raise ValidationError(
            _(
                "%(who)s saved version %(number)s while you were editing version "
                "%(base_number)s. Your text is kept below: compare it with the new version "
                "and save again."
            )
            % {"who": who, "number": number, "base_number": base_number},
            code="stale",
        )
    in_force = latest.document if latest else shipped_document()
    # The form rewrites the document (its comments go), so for it "nothing changed" means
    # the same settings, not the same text.
    if document == in_force or (
        same_meaning_is_unchanged and policy_from_yaml(document) == policy_from_yaml(in_force)
    ):
        raise ValidationError(
            _("Nothing to save: this is already the policy in force (%(version)s).")
            % {"version": _label(number)},
            code="unchanged",
        )
    version = PolicyVersion.objects.create(
        organization=organization,
        number=number + 1,
        document=document,
        digest=digest_of(document),
        created_by=actor,
        note=note.strip()[:MAX_NOTE],
    )
    audit(
        organization=organization,
        actor=actor,
        action=action,
        target=version,
        data={"number": version.number, "note": version.note, "digest": version.digest, **data},
    )
    return version


def _label(number: int) -> str:
    return f"version {number}" if number else "the shipped defaults"


def policy_save(
    *,
    organization: Organization,
    actor: Person,
    yaml_text: str,
    note: str = "",
    base_number: int | None = None,
) -> PolicyVersion:
    """Save ``yaml_text`` as the organization's next policy version.

    ``base_number`` is the version the editor started from: if someone saved another since,
    the save is refused rather than silently undoing their change.
    """
    require_policy_admin(actor, organization)
    document = normalize_document(yaml_text)
    validate_document(document)
    return _new_version(
        organization=organization,
        actor=actor,
        document=document,
        note=note,
        base_number=base_number,
        action="policy.save",
        data={},
    )


def policy_save_settings(
    *,
    organization: Organization,
    actor: Person,
    policy: Policy,
    note: str = "",
    base_number: int | None = None,
) -> PolicyVersion:
    """Save ``policy``, edited in the form, as the organization's next version.

    The version is the same kind the YAML editor saves: a YAML document, checked the same way,
    with the same audit action (its data says it came from the form). Saving settings equal to
    the policy in force is refused rather than adding a version that changes nothing.
    """
    require_policy_admin(actor, organization)
    document = normalize_document(policy_to_yaml(policy))
    validate_document(document)
    return _new_version(
        organization=organization,
        actor=actor,
        document=document,
        note=note,
        base_number=base_number,
        action="policy.save",
        data={"editor": "form"},
        same_meaning_is_unchanged=True,
    )


def policy_restore(*, organization: Organization, actor: Person, number: int) -> PolicyVersion:
    """A new version equal to version ``number`` (0: the shipped defaults)."""
    require_policy_admin(actor, organization)
    document = version_document(organization, number)
    if document is None:
        raise ValidationError(
            _("There is no version %(number)s to restore.") % {"number": number}, code="missing"
        )
    # Checked again: the rules may read documents differently since it was saved.
    validate_document(document)
    return _new_version(
        organization=organization,
        actor=actor,
        document=document,
        note=f"Restored {_label(number)}",
        base_number=None,
        action="policy.restore",
        data={"restored": number},
    )


def policy_import(
    *, organization: Organization, actor: Person, upload: UploadedFile, note: str = ""
) -> PolicyVersion:
    """Save an uploaded .yaml or .yml file as the next version (256 kB at most, UTF-8)."""
    require_policy_admin(actor, organization)
    name = os.path.basename(upload.name or "")[:100]
    if not name.lower().endswith(IMPORT_EXTENSIONS):
        raise ValidationError(_("Upload a policy as a .yaml or .yml file."), code="file_type")
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 256 kB; a policy is much smaller.") % {"name": name},
            code="too_large",
        )
    raw = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 256 kB; a policy is much smaller.") % {"name": name},
            code="too_large",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("%(name)s is not UTF-8 text.") % {"name": name}, code="encoding"
        ) from None
    if "\x00" in text:
        raise ValidationError(_("%(name)s is not a text file.") % {"name": name}, code="encoding")
    document = normalize_document(text)
    validate_document(document)
    return _new_version(
        organization=organization,
        actor=actor,
        document=document,
        note=note or f"Imported from {name}",
        base_number=None,
        action="policy.import",
        data={"file": name},
    )
