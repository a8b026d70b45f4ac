"""One bilingual post per channel: a bilingual account asking for it gets the official
languages joined into one publication where the platform's limits allow, else one post per
language, and the composer, the post page and the audit log say which and why."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from PIL import Image

from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.exnet.services import create_account
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import AuditEvent, Channel, Role
from civicdesk.publishing import bilingual as joining
from civicdesk.publishing import publisher, sets
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.checks import draft_variants, post_findings
from civicdesk.publishing.media import media_attach
from civicdesk.publishing.models import Post, PostMedia, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.rules import measure
from civicdesk.rules.bilingual import join_alt_texts, join_versions, version_spans

from .conftest import TEXTS, Bilingual, settle

EN, FR = TEXTS["en"], TEXTS["fr"]
JOINED = f"{EN}\n\n{FR}"


def test_versions_are_joined_by_a_blank_line_in_the_order_given() -> None:
    assert join_versions(["  One.  ", "", "Deux."]) == "One.\n\nDeux."
    assert join_alt_texts(["A bridge", " ", "Un pont"]) == "A bridge / Un pont"
    text = join_versions(["One.", "Deux."])
    spans = version_spans([("en", "One."), ("fr", "Deux.")])
    assert [text[start:end] for _lang, start, end in spans] == ["One.", "Deux."]


def _admin(world: Bilingual) -> User:
    admin, made = User.objects.get_or_create(username="admin")
    if made:
        org_services.membership_grant(
            user=admin, organization=world.desk.org, role=Role.ADMIN, brand=None
        )
    return admin


def _joined_channel(world: Bilingual, platform: str = "exnet", **extra: Any) -> Channel:
    channel = org_services.channel_create(
        brand=world.desk.brand, platform=platform, handle=f"both_{platform}", **extra
    )
    return org_services.channel_set_bilingual_post(
        channel=channel, actor=_admin(world), enabled=True
    )


@pytest.mark.django_db
def test_the_choice_measures_the_joined_text_as_the_platform_counts(
    bilingual: Bilingual,
) -> None:
    exnet = _joined_channel(bilingual)
    choice = bilingual_choice(exnet, TEXTS)
    assert choice.combined and choice.languages == ("en", "fr")
    assert choice.text == JOINED
    assert choice.length == measure(JOINED, "exnet").length

    x = _joined_channel(bilingual, "x")
    long = {"en": "Road works. " * 12, "fr": "Travaux. " * 16}
    refused = bilingual_choice(x, long)
    assert not refused.combined and refused.reason == "too_long"
    assert refused.length == measure(join_versions(list(long.values())), "x").length
    assert refused.limit == 280
    assert "One post per language" in refused.explanation()
    assert "over the platform's 280" in refused.explanation()
    # The order is the organization's, not the order the texts came in.
    assert bilingual_choice(exnet, {"fr": FR, "en": EN}).text == JOINED


def bilingual_choice(channel: Channel, texts: dict[str, str]) -> joining.Choice:
    found = joining.choose(channel, texts, official=["en", "fr"])
    assert found is not None
    return found


@pytest.mark.django_db
def test_descriptions_too_long_together_mean_one_post_per_language(bilingual: Bilingual) -> None:
    x = _joined_channel(bilingual, "x")
    image = PostMedia(alt_texts={"en": "a" * 600, "fr": "b" * 600}, content_type="image/png")
    choice = joining.choose(x, TEXTS, official=["en", "fr"], media=[image])
    assert choice is not None and not choice.combined
    assert choice.reason == "alt_text_too_long" and choice.limit == 1000
    assert "descriptions" in choice.explanation()


@pytest.mark.django_db
def test_nothing_to_choose_without_the_setting_or_a_second_language(
    bilingual: Bilingual,
) -> None:
    plain = org_services.channel_create(
        brand=bilingual.desk.brand, platform="exnet", handle="plain"
    )
    assert joining.choose(plain, TEXTS, official=["en", "fr"]) is None
    joined = _joined_channel(bilingual)
    assert joining.choose(joined, {"en": EN}, official=["en", "fr"]) is None
    # An account kept for one language cannot ask for it.
    with pytest.raises(Exception, match="fewer than two"):
        org_services.channel_set_bilingual_post(
            channel=bilingual.en, actor=_admin(bilingual), enabled=True
        )


@pytest.mark.django_db
def test_a_bilingual_account_gets_one_publication_joining_the_languages(
    bilingual: Bilingual,
) -> None:
    joined = _joined_channel(bilingual)
    post = _post(bilingual, [bilingual.en, bilingual.fr, joined])
    pubs = {(p.channel_id, p.variant.language): p for p in post.publications.all()}
    assert set(pubs) == {(bilingual.en.pk, "en"), (bilingual.fr.pk, "fr"), (joined.pk, "en")}
    assert pubs[(joined.pk, "en")].languages == ["en", "fr"]
    assert joining.text_of(pubs[(joined.pk, "en")]) == JOINED
    # The composer's versions are the publications': one joined version on that account.
    drafts = draft_variants(
        channels=[bilingual.en, bilingual.fr, joined], texts=TEXTS, overrides={}, post=post
    )
    mine = [d for d in drafts if d.channel == str(joined.pk)]
    assert [(d.languages, d.text) for d in mine] == [(("en", "fr"), JOINED)]
    # Every official language goes out: nothing is missing, nothing blocks.
    assert not [f for f in post_findings(post) if f.blocking]
    # A set of one on its account.
    keys = {m.pk: m.key for m in sets.members_of_posts([post.pk])}
    assert list(keys.values()).count(keys[pubs[(joined.pk, "en")].pk]) == 1
    event = AuditEvent.objects.get(action="post.create")
    assert event.data["bilingual"] == [
        {
            "channel": joined.pk,
            "languages": ["en", "fr"],
            "combined": True,
            "length": len(JOINED),
            "limit": 500,
        }
    ]


@pytest.mark.django_db
def test_a_channel_own_wording_is_joined_and_kept_across_edits(bilingual: Bilingual) -> None:
    joined = _joined_channel(bilingual)
    own = {("fr", joined.pk): "Autoroute 1 fermée (sortie 12)."}
    post = _post(bilingual, [joined], overrides=own)
    pub = post.publications.get()
    assert joining.text_of(pub) == f"{EN}\n\nAutoroute 1 fermée (sortie 12)."
    # Saving it again unchanged keeps the publication (and its ledger).
    draft = pub_services.draft_of(post)
    assert draft.overrides == own
    pub_services.post_update(post=post, actor=bilingual.desk.author, draft=draft)
    assert post.publications.get().pk == pub.pk
    # A changed French wording makes a new one.
    changed = pub_services.Draft(
        title=post.title, texts={"en": EN, "fr": "Autre."}, channels=[joined]
    )
    pub_services.post_update(post=post, actor=bilingual.desk.author, draft=changed)
    assert joining.text_of(post.publications.get()) == f"{EN}\n\nAutre."


@pytest.mark.django_db
def test_too_long_together_falls_back_and_says_so(bilingual: Bilingual, client: Client) -> None:
    x = _joined_channel(bilingual, "x")
    texts = {"en": "Road works tonight on Highway 1. " * 5, "fr": "Travaux cette nuit. " * 7}
    post = _post(bilingual, [x], texts=texts)
    assert sorted(p.variant.language for p in post.publications.all()) == ["en", "fr"]
    assert all(p.languages == [] for p in post.publications.all())
    (record,) = AuditEvent.objects.get(action="post.create").data["bilingual"]
    assert record["combined"] is False and record["reason"] == "too_long"
    assert record["limit"] == 280 and record["length"] > 280
    client.force_login(bilingual.desk.author)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "One post per language on X both_x" in page
    preview = client.post(
        f"/posts/preview/?brand={bilingual.desk.brand.pk}",
        {"channels": [x.pk], "text_en": texts["en"], "text_fr": texts["fr"]},
    ).content.decode()
    assert "One post per language on X both_x" in preview
    assert "bilingual-badge" not in preview
    short = client.post(
        f"/posts/preview/?brand={bilingual.desk.brand.pk}",
        {"channels": [x.pk], "text_en": EN, "text_fr": FR},
    ).content.decode()
    assert "One bilingual post on X both_x" in short and "bilingual-badge" in short
    assert f"{measure(JOINED, 'x').length} / 280 characters" in short


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", [None, "server_error"])
def test_the_joined_post_goes_out_once_through_the_exercise_network(
    bilingual: Bilingual, live_server: Any, fault: str | None
) -> None:
    account, token = create_account(handle="roads_both", display_name="Roads")
    joined = _joined_channel(
        bilingual,
        api_base_url=f"{live_server.url}/exnet/api",
        credentials={"token": token},
    )
    if fault:
        inject_fault(account, fault, operation="create_post", count=1, status=503)
    post = _post(bilingual, [bilingual.en, bilingual.fr, joined], approve=True)
    settle()
    states = {p.channel_id: p.state for p in post.publications.all()}
    assert set(states.values()) == {S.PUBLISHED}, [p.status_reason for p in post.publications.all()]
    assert _live(account) == [JOINED]
    assert _live(bilingual.en_account) == [EN]
    assert _live(bilingual.fr_account) == [FR]


def _live(account: NetAccount) -> list[str]:
    return list(
        NetPost.objects.filter(account=account, deleted_at__isnull=True).values_list(
            "text", flat=True
        )
    )


@pytest.mark.django_db
def test_the_channel_setting_is_a_screen_for_managers_and_audited(
    bilingual: Bilingual, client: Client
) -> None:
    channel = org_services.channel_create(
        brand=bilingual.desk.brand, platform="exnet", handle="both"
    )
    client.force_login(bilingual.desk.manager)
    assert client.get(f"/channels/{channel.pk}/settings/").status_code == 403
    assert f"/channels/{channel.pk}/settings/" not in client.get("/channels/").content.decode()
    client.force_login(_admin(bilingual))
    listing = client.get("/channels/").content.decode()
    assert f"/channels/{channel.pk}/settings/" in listing
    page = client.get(f"/channels/{channel.pk}/settings/").content.decode()
    assert "Publish the official languages as one bilingual post" in page
    assert "English and French" in page
    response = client.post(f"/channels/{channel.pk}/settings/", {"bilingual_post": "on"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.bilingual_post
    event = AuditEvent.objects.get(action="channel.bilingual_post")
    assert event.data == {"enabled": True, "languages": ["en", "fr"]}
    client.post(f"/channels/{channel.pk}/settings/", {})
    channel.refresh_from_db()
    assert not channel.bilingual_post
    assert AuditEvent.objects.filter(action="channel.bilingual_post").count() == 2
    # A one-language account is told why there is nothing to join.
    single = client.get(f"/channels/{bilingual.en.pk}/settings/").content.decode()
    assert "fewer than two" in single
    client.post(f"/channels/{bilingual.en.pk}/settings/", {"bilingual_post": "on"})
    assert not Channel.objects.get(pk=bilingual.en.pk).bilingual_post


def _post(
    world: Bilingual,
    channels: list[Channel],
    *,
    texts: dict[str, str] | None = None,
    overrides: dict[tuple[str, int], str] | None = None,
    approve: bool = False,
) -> Post:
    team = world.desk
    draft = pub_services.Draft(
        title="Highway 1 closure",
        texts=texts or TEXTS,
        channels=channels,
        overrides=overrides,
        scheduled_at=timezone.now() + timedelta(seconds=2) if approve else None,
    )
    post = pub_services.post_create(brand=team.brand, actor=team.author, draft=draft)
    if approve:
        pub_services.post_submit(post=post, actor=team.author)
        post = pub_services.post_approve(post=post, actor=team.approver)
        at = timezone.now() - timedelta(seconds=1)
        Post.objects.filter(pk=post.pk).update(scheduled_at=at)
        post.publications.update(scheduled_at=at, next_attempt_at=at)
    return post


@pytest.mark.django_db
def test_the_publisher_sends_the_joined_text_and_descriptions(bilingual: Bilingual) -> None:
    joined = _joined_channel(bilingual)
    post = _post(bilingual, [joined])
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    media_attach(
        post=post,
        actor=bilingual.desk.author,
        data=buffer.getvalue(),
        filename="closure.png",
        alt_texts={"en": "A closed road", "fr": "Une route fermée"},
    )
    pub = Publication.objects.select_related(*publisher.SENDING_RELATED).get(post=post)
    outbound = publisher.outbound_for(pub)
    assert outbound.text == JOINED
    assert [m.alt_text for m in outbound.media] == ["A closed road / Une route fermée"]
