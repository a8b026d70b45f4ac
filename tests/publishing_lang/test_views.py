"""Languages per account in the composer, submission and approval: one check, one verdict.

The preview cards, the submit action and the approve action apply the same findings; the
messages speak the reader's interface language and name languages, never codes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicdesk.organizations.services import publishing_pause
from civicdesk.publishing.models import Post, PostStatus, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.factories import make_post

from .conftest import Accounts

pytestmark = pytest.mark.django_db

FR = "Le pont rouvre lundi."
EN = "The bridge reopens on Monday."


def preview(
    client: Client, a: Accounts, channels: list[int], *, lang: str = "en", **extra: str
) -> str:
    client.force_login(a.world.author)
    data = {
        "channels": channels,
        "text_en": extra.pop("text_en", EN),
        "text_fr": extra.pop("text_fr", FR),
        **extra,
    }
    response = client.post(
        f"/posts/preview/?brand={a.world.brand.pk}", data, HTTP_ACCEPT_LANGUAGE=lang
    )
    assert response.status_code == 200
    return response.content.decode()


def test_preview_of_a_french_only_post_asks_for_the_english_account(
    client: Client, accounts: Accounts
) -> None:
    html = preview(client, accounts, [accounts.fr.pk])
    assert "None of the chosen accounts publishes in English" in html
    assert "transportinsights" in html and "finding-blocking" in html
    assert "version en " not in html and " en;" not in html
    french = preview(client, accounts, [accounts.fr.pk], lang="fr")
    assert "Aucun des comptes choisis ne publie en anglais" in french
    assert "None of the chosen" not in french


def test_preview_of_both_one_language_accounts_has_no_blocking_finding(
    client: Client, accounts: Accounts
) -> None:
    html = preview(client, accounts, [accounts.en.pk, accounts.fr.pk])
    assert html.count("preview-card") == 2
    assert "finding-blocking" not in html and "languages" not in html


def test_a_french_only_post_cannot_be_submitted(client: Client, accounts: Accounts) -> None:
    a = accounts
    post = make_post(
        brand=a.world.brand, author=a.world.author, texts={"en": EN, "fr": FR}, channels=[a.fr]
    )
    client.force_login(a.world.author)
    response = client.post(f"/posts/{post.pk}/submit/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "cannot be submitted for approval until it is fixed" in page
    assert "None of the chosen accounts publishes in English" in page
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT


def test_the_approver_gets_the_same_refusal_in_their_language(
    client: Client, accounts: Accounts
) -> None:
    a = accounts
    post = make_post(
        brand=a.world.brand, author=a.world.author, texts={"en": EN, "fr": FR}, channels=[a.fr]
    )
    # Reached review before the check existed (or by an import): approval still refuses.
    Post.objects.filter(pk=post.pk).update(status=PostStatus.IN_REVIEW)
    client.force_login(a.world.approver)
    page = client.post(
        f"/posts/{post.pk}/approve/", follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Aucun des comptes choisis ne publie en anglais" in page
    assert "Il manque la version en" not in page
    assert Post.objects.get(pk=post.pk).status == PostStatus.IN_REVIEW


def test_both_accounts_submit_and_approve(client: Client, accounts: Accounts) -> None:
    a = accounts
    post = make_post(
        brand=a.world.brand,
        author=a.world.author,
        texts={"en": EN, "fr": FR},
        channels=[a.en, a.fr],
        scheduled_at=timezone.now() + timedelta(hours=2),
    )
    assert sorted(post.publications.values_list("channel__handle", "variant__language")) == [
        ("transportinsights", "en"),
        ("transportinsights_fr", "fr"),
    ]
    client.force_login(a.world.author)
    client.post(f"/posts/{post.pk}/submit/")
    assert Post.objects.get(pk=post.pk).status == PostStatus.IN_REVIEW
    client.force_login(a.world.approver)
    client.post(f"/posts/{post.pk}/approve/")
    assert Post.objects.get(pk=post.pk).status == PostStatus.APPROVED


def test_a_time_already_missed_is_warned_and_refused(
    client: Client, accounts: Accounts, settings
) -> None:  # noqa: ANN001
    a = accounts
    settings.PUBLISH_MISSED_AFTER_SECONDS = 15 * 60
    two_days_ago = timezone.localtime(timezone.now() - timedelta(days=2), a.world.org.tz)
    html = preview(
        client, a, [a.en.pk, a.fr.pk], scheduled_at=two_days_ago.strftime("%Y-%m-%dT%H:%M")
    )
    assert "The scheduled time has already passed" in html
    soon = timezone.localtime(timezone.now() + timedelta(hours=1), a.world.org.tz)
    assert "already passed" not in preview(
        client, a, [a.en.pk, a.fr.pk], scheduled_at=soon.strftime("%Y-%m-%dT%H:%M")
    )
    post = make_post(
        brand=a.world.brand,
        author=a.world.author,
        texts={"en": EN, "fr": FR},
        channels=[a.en, a.fr],
        scheduled_at=timezone.now() - timedelta(days=2),
    )
    client.force_login(a.world.author)
    page = client.post(f"/posts/{post.pk}/submit/", follow=True).content.decode()
    assert "already passed" in page
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT
    # Within the threshold it is not missed yet: submission goes through.
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    client.post(f"/posts/{post.pk}/submit/")
    assert Post.objects.get(pk=post.pk).status == PostStatus.IN_REVIEW


def _approved(a: Accounts) -> Post:
    post = make_post(
        brand=a.world.brand,
        author=a.world.author,
        texts={"en": EN, "fr": FR},
        channels=[a.en, a.fr],
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    from civicdesk.publishing.services import post_approve, post_submit

    post_submit(post=post, actor=a.world.author)
    return post_approve(post=post, actor=a.world.approver)


def test_held_by_the_stop_all_switch_says_so(client: Client, accounts: Accounts) -> None:
    a = accounts
    post = _approved(a)
    publishing_pause(
        organization=a.world.org, paused=True, reason="Flood emergency", actor=a.world.manager
    )
    client.force_login(a.world.viewer)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Held: publishing is paused" in page
    assert a.world.manager.get_username() in page and "Flood emergency" in page
    plan = client.get("/posts/").content.decode()
    assert "Held: publishing is paused" in plan and "Flood emergency" in plan
    publishing_pause(organization=a.world.org, paused=False, actor=a.world.manager)
    assert "Held" not in client.get(f"/posts/{post.pk}/").content.decode()


@pytest.mark.parametrize(
    ("states", "label"),
    [
        ((S.PUBLISHED, S.PUBLISHED), "Published"),
        ((S.PUBLISHED, S.FAILED), "Partly published"),
        ((S.FAILED, S.FAILED), "Failed"),
        ((S.SCHEDULED, S.SCHEDULED), "Scheduled"),
    ],
)
def test_the_plan_shows_the_state_of_the_publications(
    client: Client, accounts: Accounts, states: tuple[str, str], label: str
) -> None:
    a = accounts
    post = _approved(a)
    for publication, state in zip(post.publications.order_by("pk"), states, strict=True):
        Publication.objects.filter(pk=publication.pk).update(state=state)
    client.force_login(a.world.viewer)
    marker = 'data-state="'
    for url in ("/posts/", f"/posts/{post.pk}/"):
        page = client.get(url).content.decode()
        badge = page[page.index(marker) :].split("</span>", 1)[0]
        assert badge.endswith(f">{label}"), (url, badge)
