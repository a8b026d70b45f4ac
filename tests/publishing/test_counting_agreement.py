"""The composer and the publisher count a text the same way on every platform: the preview's
measure and findings are the ones the publisher's last check and thread split come to, for
texts that each platform counts in its own way (links, emoji, CJK, mentions, hashtags)."""

from __future__ import annotations

import pytest

from civicdesk.connectors.limits import channel_rules, forget_rules
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Channel
from civicdesk.pages.preview import build_preview
from civicdesk.publishing import checks, publisher
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import Publication
from civicdesk.rules import PLATFORMS, THREAD_PLATFORMS, check_variant, measure_with
from tests.core.conftest import Desk, desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

TEXTS = [
    "Bridge closed tonight: https://roads.example.org/closures/bridge?from=22h #RoadWatch",
    "家族と一緒に避難してください。🚒🚑 Évacuez avec votre famille 👨‍👩‍👧 @roadwatch",
    "Reserved on LinkedIn: a|b {c} [d] (e) <f> #g *h* _i_ ~j~ \\k @l",
    "Long update. " * 40 + "https://example.org/" + " more" * 30,
]


@pytest.fixture
def channels(desk: Desk) -> list[Channel]:  # noqa: F811 - the fixture above
    made = []
    for platform in PLATFORMS:
        channel = org_services.channel_create(
            brand=desk.brand,
            platform=platform,
            handle=f"roadwatch-{platform}",
            credentials={"token": "t", "access_token": "t"},
            # Mastodon asks its instance for limits: one that refuses, so its defaults apply.
            api_base_url="http://127.0.0.1:9" if platform == "mastodon" else "",
        )
        forget_rules(channel)
        made.append(channel)
    return made


@pytest.mark.parametrize("text", TEXTS)
def test_composer_and_publisher_agree(desk: Desk, channels: list[Channel], text: str) -> None:  # noqa: F811
    shown = build_preview(
        organization=desk.org,
        channels=channels,
        texts={"en": text},
        overrides={},
        language_names={"en": "English"},
        reader_language="en",
    )
    post = pub_services.post_create(
        brand=desk.brand,
        actor=desk.author,
        draft=pub_services.Draft(title="Agreement", texts={"en": text}, channels=channels),
    )
    publications = {
        p.channel_id: p
        for p in Publication.objects.filter(post=post).select_related("variant", "channel", "post")
    }
    in_force = checks.policy_for(desk.org)
    assert {item.channel.pk for item in shown.items} == set(publications)
    for item in shown.items:
        publication = publications[item.channel.pk]
        rules = channel_rules(publication.channel)
        assert rules is not None
        sent = measure_with(publication.variant.text, rules)
        assert item.measurement == sent, item.channel.platform
        # The platform's findings on the card (length, thread, bytes, characters refused,
        # hashtags, mentions) are the publisher's last check's, finding for finding.
        last = check_variant(checks._draft(publication), in_force, message_language="en")
        assert sorted(
            (f.code, f.start, f.end) for f in item.findings if f.code.startswith("platform.")
        ) == sorted((f.code, f.start, f.end) for f in last if f.code.startswith("platform.")), (
            item.channel.platform
        )
        # A text the composer calls a thread is sent as one, in as many parts.
        outbound = publisher.outbound_for(publication)
        parts = 1 + len(outbound.thread)
        assert parts == (item.thread_parts or 1), item.channel.platform
        if item.channel.platform not in THREAD_PLATFORMS:
            assert outbound.thread == ()


def test_the_preview_shows_linkedins_escapes(desk: Desk, channels: list[Channel]) -> None:  # noqa: F811
    linkedin = [c for c in channels if c.platform == "linkedin"]
    shown = build_preview(
        organization=desk.org,
        channels=linkedin,
        texts={"en": TEXTS[2]},
        overrides={},
        language_names={"en": "English"},
    )
    [item] = shown.items
    assert item.escaped == (
        "Reserved on LinkedIn: a\\|b \\{c\\} \\[d\\] \\(e\\) \\<f\\> \\#g \\*h\\* \\_i\\_ "
        "\\~j\\~ \\\\k \\@l"
    )
