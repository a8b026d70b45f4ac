"""The English and French versions of a post go out together on their two accounts, or not
at all: over real HTTP to the exercise network, under each fault it can inject."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetPost
from civicdesk.organizations.models import AuditEvent, Channel
from civicdesk.publishing import publisher, sets
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S

from .conftest import Bilingual, approved_post, of, run_tasks, settle

pytestmark = pytest.mark.django_db(transaction=True)

# Every fault the exercise network injects, once, on the French account's first create.
FAULTS = [
    ("latency", {"seconds": 0.2}),
    ("rate_limit", {"retry_after": 1}),
    ("server_error", {"status": 503}),
    ("server_error", {"status": 500}),
    ("timeout", {}),
    ("malformed", {}),
    ("accepted_lost", {}),
]


def live(account: Any) -> list[str]:
    return list(
        NetPost.objects.filter(account=account, deleted_at__isnull=True).values_list(
            "text", flat=True
        )
    )


@pytest.mark.parametrize(("kind", "params"), FAULTS, ids=[f"{k}-{p}" for k, p in FAULTS])
def test_a_fault_that_passes_lets_both_go_once(
    bilingual: Bilingual, kind: str, params: dict[str, Any]
) -> None:
    inject_fault(bilingual.fr_account, kind, operation="create_post", count=1, **params)
    post = approved_post(bilingual)
    settle()
    en, fr = of(post, bilingual.en), of(post, bilingual.fr)
    assert (en.state, fr.state) == (S.PUBLISHED, S.PUBLISHED), (en.status_reason, fr.status_reason)
    assert live(bilingual.en_account) == [en.variant.text]
    assert live(bilingual.fr_account) == [fr.variant.text]


def _break_french(bilingual: Bilingual, how: str) -> None:
    if how == "auth":
        fr = Channel.objects.get(pk=bilingual.fr.pk)
        fr.set_credentials({"token": "revoked"})
        fr.save()
    else:  # the platform asks to wait until past the post's window: missed
        inject_fault(bilingual.fr_account, "rate_limit", operation="create_post", retry_after=120)


@pytest.mark.parametrize("how", ["auth", "missed"])
@pytest.mark.parametrize("french_first", [True, False], ids=["french-first", "english-first"])
def test_a_permanent_failure_leaves_neither_live(
    bilingual: Bilingual, settings: Any, how: str, french_first: bool
) -> None:
    settings.PUBLISH_MISSED_AFTER_SECONDS = 60
    _break_french(bilingual, how)
    channels = [bilingual.fr, bilingual.en] if french_first else [bilingual.en, bilingual.fr]
    post = approved_post(bilingual, channels)
    settle()
    en, fr = of(post, bilingual.en), of(post, bilingual.fr)
    assert fr.state == (S.FAILED if how == "auth" else S.MISSED)
    assert live(bilingual.en_account) == []
    assert live(bilingual.fr_account) == []
    if french_first:
        # The English version was claimed with it but not yet sent: it never left.
        assert en.state == S.WITHHELD
        assert not NetPost.objects.filter(account=bilingual.en_account).exists()
    else:
        # It went out first, and was taken down once the French one failed.
        assert en.state == S.DELETED
        assert en.attempts_log.filter(outcome=AttemptOutcome.DELETED).exists()
    event = AuditEvent.objects.filter(action="publication_set.withdrawn").get()
    assert [f["language"] for f in event.data["failed"]] == ["fr"]
    touched = event.data["withheld"] + event.data["removing"]
    assert [t["language"] for t in touched] == ["en"]
    assert event.data["still_live"] == []


def test_unknown_outcome_holds_the_other_then_both_go(bilingual: Bilingual) -> None:
    # English: the request times out before the platform takes it (outcome unknown).
    # French: the platform asks to come back in a second.
    inject_fault(bilingual.en_account, "timeout", operation="create_post")
    inject_fault(bilingual.fr_account, "rate_limit", operation="create_post", retry_after=1)
    post = approved_post(bilingual)
    later = timezone.now() + timedelta(seconds=60)
    publisher.publish_due(worker="w", now=later)
    assert of(post, bilingual.en).state == S.UNCONFIRMED
    assert of(post, bilingual.fr).state == S.SCHEDULED
    # The French retry is due, but the English outcome is not known: nothing is claimed.
    assert publisher.claim(worker="w", now=later) == []
    assert publisher.publish_due(worker="w", now=later).claimed == 0
    assert of(post, bilingual.fr).attempts == 1
    # The check finds nothing: the English version goes again, and the French with it.
    publisher.check_unconfirmed(worker="w", now=later)
    assert of(post, bilingual.en).state == S.SCHEDULED
    claims = publisher.claim(worker="w", now=later)
    assert {c.pk for c in claims} == {of(post, bilingual.en).pk, of(post, bilingual.fr).pk}
    for one in publisher.with_publications(claims):
        publisher.publish_one(one, worker="w")
    assert of(post, bilingual.en).state == S.PUBLISHED
    assert of(post, bilingual.fr).state == S.PUBLISHED
    assert len(live(bilingual.en_account)) == len(live(bilingual.fr_account)) == 1


def test_unknown_outcome_found_releases_the_other(bilingual: Bilingual) -> None:
    # English: taken by the platform, but the answer is lost.
    inject_fault(bilingual.en_account, "accepted_lost", operation="create_post")
    inject_fault(bilingual.fr_account, "server_error", operation="create_post", status=503)
    post = approved_post(bilingual)
    later = timezone.now() + timedelta(seconds=60)
    publisher.publish_due(worker="w", now=later)
    assert of(post, bilingual.en).state == S.UNCONFIRMED
    assert publisher.claim(worker="w", now=later) == []
    publisher.check_unconfirmed(worker="w", now=later)
    assert of(post, bilingual.en).state == S.PUBLISHED
    settle()
    assert of(post, bilingual.fr).state == S.PUBLISHED
    assert len(live(bilingual.en_account)) == len(live(bilingual.fr_account)) == 1


def test_unknown_outcome_not_found_too_late_withholds_the_other(bilingual: Bilingual) -> None:
    inject_fault(bilingual.en_account, "timeout", operation="create_post")
    inject_fault(bilingual.fr_account, "rate_limit", operation="create_post", retry_after=1)
    post = approved_post(bilingual)
    publisher.publish_due(worker="w", now=timezone.now() + timedelta(seconds=60))
    # The check comes after the window: the English version is missed, so the French one,
    # which was waiting for it, is withheld rather than sent alone.
    long_ago = timezone.now() - timedelta(hours=2)
    post.publications.update(scheduled_at=long_ago)
    publisher.check_unconfirmed(worker="w", now=timezone.now() + timedelta(seconds=60))
    en, fr = of(post, bilingual.en), of(post, bilingual.fr)
    assert (en.state, fr.state) == (S.MISSED, S.WITHHELD)
    assert "en version" in fr.status_reason
    settle()
    assert live(bilingual.en_account) == live(bilingual.fr_account) == []
    assert AuditEvent.objects.filter(action="publication_set.withdrawn").count() == 1


def test_sets_by_account_kind_and_language(bilingual: Bilingual) -> None:
    from civicdesk.organizations import services as org_services

    both = org_services.channel_create(
        brand=bilingual.desk.brand, platform="exnet", handle="roads_both", credentials={}
    )
    post = approved_post(bilingual, [bilingual.en, bilingual.fr, both])
    keys = {(m.channel_id, m.language): m.key for m in sets.members_of_posts([post.pk])}
    # The English and French accounts form one set; the bilingual account its own.
    assert keys[(bilingual.en.pk, "en")] == keys[(bilingual.fr.pk, "fr")]
    assert keys[(both.pk, "en")] == keys[(both.pk, "fr")] != keys[(bilingual.en.pk, "en")]
    assert Publication.objects.filter(post=post).count() == 4


def test_removed_version_shows_on_the_post_page(bilingual: Bilingual, client: Any) -> None:
    _break_french(bilingual, "auth")
    post = approved_post(bilingual, [bilingual.en, bilingual.fr])
    settle()
    run_tasks()
    client.force_login(bilingual.desk.manager)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "did not go out together" in page
    assert "Nothing of this post is live" in page


def test_sending_the_failed_language_again_sends_the_withheld_one_with_it(
    bilingual: Bilingual, settings: Any
) -> None:
    working = Channel.objects.get(pk=bilingual.fr.pk).get_credentials()
    _break_french(bilingual, "auth")
    post = approved_post(bilingual, [bilingual.fr, bilingual.en])
    settle()
    en, fr = of(post, bilingual.en), of(post, bilingual.fr)
    assert (en.state, fr.state) == (S.WITHHELD, S.FAILED)
    # The team reconnects the French account and sends it again: the set goes whole.
    channel = Channel.objects.get(pk=bilingual.fr.pk)
    channel.set_credentials(working)
    channel.save()
    pub_services.publication_retry(publication=fr, actor=bilingual.desk.manager)
    assert of(post, bilingual.en).state == S.SCHEDULED
    settle()
    en, fr = of(post, bilingual.en), of(post, bilingual.fr)
    assert (en.state, fr.state) == (S.PUBLISHED, S.PUBLISHED), (en.status_reason, fr.status_reason)
    assert live(bilingual.en_account) == [en.variant.text]
    assert live(bilingual.fr_account) == [fr.variant.text]
    event = AuditEvent.objects.filter(action="publication.retry").get()
    assert event.data["with_other_languages"] == 1
