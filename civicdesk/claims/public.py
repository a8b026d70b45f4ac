"""The public rumour-control page of an organization: no sign-in, in its official languages,
each published claim with its verdict, the facts, sources and help, and when it was last
updated; searchable by word and topic, with an Atom feed. The same page is exported as
static HTML (export.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicdesk.claims.models import ClaimStatus
from civicdesk.claims.selectors import public_entries, public_topics
from civicdesk.organizations.models import Organization

FEED_ENTRIES = 50


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


def page_language(organization: Organization, asked: str | None) -> str:
    languages: list[str] = list(organization.official_languages) or ["en"]
    return asked if asked is not None and asked in languages else languages[0]


def page_context(
    organization: Organization,
    *,
    language: str,
    query: str = "",
    topic: str = "",
    static: bool = False,
) -> dict[str, Any]:
    """What the page shows, for the live page and the static export alike."""
    languages = list(organization.official_languages) or ["en"]
    if static:
        hrefs = {code: static_name(organization, code) for code in languages}
        feed = f"feed.{language}.xml"
    else:
        base = reverse("rumours", args=[organization.slug])
        hrefs = {code: f"{base}?lang={code}" for code in languages}
        feed = f"{reverse('rumours-feed', args=[organization.slug])}?lang={language}"
    return {
        "org": organization,
        "language": language,
        "bidi": get_language_info(language)["bidi"],
        "entries": public_entries(
            organization=organization, language=language, query=query, topic=topic
        ),
        "topics": public_topics(organization=organization),
        "query": query,
        "topic": topic,
        "static": static,
        "feed_href": feed,
        "languages": [
            LanguageLink(code, get_language_info(code)["name_local"], hrefs[code], code == language)
            for code in languages
        ],
    }


def static_name(organization: Organization, code: str) -> str:
    first = (list(organization.official_languages) or ["en"])[0]
    return "index.html" if code == first else f"index.{code}.html"


def _organization(slug: str) -> Organization:
    return get_object_or_404(Organization, slug=slug)


@login_not_required
@require_GET
def rumour_control(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    language = page_language(organization, request.GET.get("lang"))
    with translation.override(language):
        context = page_context(
            organization,
            language=language,
            query=request.GET.get("q", "").strip()[:200],
            topic=request.GET.get("topic", "").strip()[:80],
        )
        html = render_to_string("claims/public.html", context, request=request)
    response = HttpResponse(html)
    response["Content-Language"] = language
    return response


def feed_xml(organization: Organization, *, language: str, page_url: str, feed_url: str) -> str:
    """The published claims as an Atom 1.0 feed, newest change first."""
    with translation.override(language):
        feed = Atom1Feed(
            title=_("Rumour control: %(name)s") % {"name": organization.name},
            link=page_url,
            description=_("Rumours and the facts, from %(name)s.") % {"name": organization.name},
            language=language,
            feed_url=feed_url,
            author_name=organization.name,
            feed_guid=f"{page_url}#feed-{language}",
        )
        for entry in public_entries(organization=organization, language=language)[:FEED_ENTRIES]:
            verdict = ClaimStatus(entry.version.status).label
            feed.add_item(
                title=f"{verdict}: {entry.title}",
                link=f"{page_url}#claim-{entry.claim.pk}",
                description=entry.facts,
                unique_id=f"{page_url}#claim-{entry.claim.pk}",
                unique_id_is_permalink=False,
                updateddate=entry.updated_at,
                pubdate=entry.updated_at,
                categories=[entry.claim.topic] if entry.claim.topic else (),
            )
        return feed.writeString("utf-8")


@login_not_required
@require_GET
def rumour_feed(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    if not organization.official_languages:
        raise Http404
    language = page_language(organization, request.GET.get("lang"))
    page = request.build_absolute_uri(reverse("rumours", args=[slug])) + f"?lang={language}"
    xml = feed_xml(
        organization, language=language, page_url=page, feed_url=request.build_absolute_uri()
    )
    return HttpResponse(xml, content_type="application/atom+xml; charset=utf-8")
