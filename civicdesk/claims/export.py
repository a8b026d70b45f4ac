"""The rumour-control page as static files for the organization's own site: one HTML page a
language (index.html in the first one), its Atom feed, in a ZIP."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from civicdesk.claims.public import feed_xml, page_context, static_name
from civicdesk.organizations.models import Organization


def zip_bytes(organization: Organization) -> bytes:
    buffer = io.BytesIO()
    site = settings.SITE_URL.rstrip("/")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for code in list(organization.official_languages) or ["en"]:
            with translation.override(code):
                html = render_to_string(
                    "claims/public.html", page_context(organization, language=code, static=True)
                )
            archive.writestr(static_name(organization, code), html)
            # The feed's entries point to the live page, which the organization's copy mirrors.
            live = f"{site}/rumours/{organization.slug}/"
            archive.writestr(
                f"feed.{code}.xml",
                feed_xml(
                    organization,
                    language=code,
                    page_url=f"{live}?lang={code}",
                    feed_url=f"{live}feed.atom?lang={code}",
                ),
            )
    return buffer.getvalue()
