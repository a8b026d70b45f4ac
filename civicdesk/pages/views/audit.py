"""The audit log of an organization, for its admins, with the state of the hash chain (its
stored full check and the events added since, ``records.verification``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicdesk.organizations.access import is_org_admin, organizations_for
from civicdesk.pages.selectors import audit_events
from civicdesk.pages.views.common import HtmxHttpRequest, int_param
from civicdesk.records.models import Chain
from civicdesk.records.verification import chain_status


@require_GET
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    mine = list(organizations_for(request.user).order_by("name"))
    if not mine:
        raise Http404(_("No organization"))
    administered = [org for org in mine if is_org_admin(request.user, org)]
    if not administered:
        raise PermissionDenied(_("Only organization admins can read the audit log."))
    wanted = int_param(request.GET.get("org"))
    org = next((o for o in administered if o.pk == wanted), administered[0])
    if wanted is not None and org.pk != wanted:
        if any(o.pk == wanted for o in mine):
            raise PermissionDenied(_("Only organization admins can read the audit log."))
        raise Http404(_("No such organization"))
    page = Paginator(audit_events(organization=org), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/audit.html",
        {
            "org": org,
            "organizations": administered,
            "page": page,
            "chain": chain_status(organization_id=org.pk, chain=Chain.AUDIT),
        },
    )
