"""The platforms' own sentences (what an account cannot do there) follow the reader's
language on every screen that shows them: the channels page, the composer, the connect
page, the conversation page and the refusals; what the worker stores stays in the
installation's language."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from civicdesk.accounts.language import profile_language_set
from civicdesk.connectors import registry
from civicdesk.connectors.base import Capability, UnsupportedError
from civicdesk.connectors.x.tiers import TIER_SENTENCE
from civicdesk.organizations.models import Channel
from civicdesk.organizations.services import channel_create
from civicdesk.policies.removal import cannot_block_reason
from civicdesk.publishing.media import media_attach, media_captions
from tests.factories import World, make_channel, make_message, make_post, make_world
from tests.publishing.test_video import VTT, clip

pytestmark = pytest.mark.django_db

# One sentence of each platform, as English has it and as French and Arabic do.
MASTODON_SEARCH = {
    "en": "Mastodon cannot be searched for any word",
    "fr": "On ne peut pas chercher n’importe quel mot sur Mastodon",
    "ar": "لا يمكن البحث في Mastodon عن أي كلمة",
}
MASTODON_CAPTIONS = {
    "en": "Mastodon's API takes no caption files",
    "fr": "L’API de Mastodon n’accepte aucun fichier de sous-titres",
    "ar": "لا تقبل واجهة برمجة Mastodon ملفات الترجمة المصاحبة",
}
X_FREE_INBOX = {
    "en": "X's API gives mentions and direct messages only on a paid tier; this channel's",
    "fr": "L’API de X ne donne les mentions et les messages privés qu’à un niveau payant ;",
    "ar": "لا تمنح واجهة برمجة X الإشارات والرسائل المباشرة إلا في مستوى مدفوع؛",
}
X_ANY_INBOX = {
    "en": "X's API gives mentions and direct messages only on a paid tier: a channel",
    "fr": "L’API de X ne donne les mentions et les messages privés qu’à un niveau payant :",
    "ar": "لا تمنح واجهة برمجة X الإشارات والرسائل المباشرة إلا في مستوى مدفوع:",
}
LINKEDIN_HIDE = {
    "en": "LinkedIn's API cannot hide a comment",
    "fr": "L’API de LinkedIn ne peut pas masquer un commentaire",
    "ar": "لا تستطيع واجهة برمجة LinkedIn إخفاء تعليق",
}
YOUTUBE_TEXT = {
    "en": "YouTube's API cannot publish text posts",
    "fr": "L’API de YouTube ne peut pas publier de textes",
    "ar": "لا تستطيع واجهة برمجة YouTube نشر منشورات نصية",
}
NEWSROOM_SOURCE = {
    "en": "A newsroom feed is a source, not a place to post",
    "fr": "Un flux de salle de presse est une source, pas un lieu de publication",
    "ar": "موجز غرفة الأخبار مصدر وليس مكانًا للنشر",
}
REGISTER_APP = {
    "en": "Register an application with X and set CIVICDESK_X_CLIENT_ID and "
    "CIVICDESK_X_CLIENT_SECRET first.",
    "fr": "Enregistrez d’abord une application auprès de X et définissez CIVICDESK_X_CLIENT_ID "
    "et CIVICDESK_X_CLIENT_SECRET.",
    "ar": "سجّل أولًا تطبيقًا لدى X واضبط CIVICDESK_X_CLIENT_ID وCIVICDESK_X_CLIENT_SECRET.",
}


def _channels(world: World) -> dict[str, Channel]:
    """A channel of several platforms on the world's brand; the X one on the free tier."""
    brand = world.brand
    return {
        "mastodon": make_channel(brand=brand, handle="t_mastodon", platform="mastodon"),
        "linkedin": make_channel(brand=brand, handle="t_linkedin", platform="linkedin"),
        "youtube": make_channel(brand=brand, handle="t_youtube", platform="youtube"),
        "newsroom": make_channel(brand=brand, handle="t_news", platform="newsroom"),
        "x": channel_create(
            brand=brand,
            platform="x",
            handle="t_x",
            languages=[],
            api_base_url="",
            credentials={"access_token": "t", "user_id": "1", "tier": "free"},
        ),
    }


def _page(user: Any, language: str, url: str) -> str:
    profile_language_set(user=user, language=language)
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == language
    return html.unescape(response.content.decode())


def _says(page: str, sentence: dict[str, str], language: str) -> None:
    assert sentence[language] in page, (language, sentence[language])
    if language != "en":
        assert sentence["en"] not in page, (language, sentence["en"])


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_channels_page_speaks_the_readers_language(language: str) -> None:
    world = make_world(prefix=f"cl{language}")
    _channels(world)
    page = _page(world.admin, language, "/channels/")
    for sentence in (MASTODON_SEARCH, X_FREE_INBOX, LINKEDIN_HIDE, YOUTUBE_TEXT, NEWSROOM_SOURCE):
        _says(page, sentence, language)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_composer_speaks_the_readers_language(language: str) -> None:
    world = make_world(prefix=f"co{language}")
    channels = _channels(world)
    # A channel that takes no posts is named, with the platform's reason.
    page = _page(world.author, language, f"/posts/new/?brand={world.brand.pk}")
    _says(page, NEWSROOM_SOURCE, language)
    # A captioned video: the composer's preview says which platforms take no captions.
    post = make_post(
        brand=world.brand,
        author=world.author,
        channels=[world.channel, channels["mastodon"]],
        texts={"en": "Tonight's closure.", "fr": "La fermeture de ce soir."},
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    video = media_attach(
        post=post, actor=world.author, data=clip(), filename="bridge.mp4", alt_texts={}
    )
    media_captions(media=video, actor=world.author, language="en", data=VTT)
    client = Client()
    client.force_login(world.author)
    preview = html.unescape(
        client.post(
            f"/posts/preview/?brand={world.brand.pk}&post={post.pk}",
            {
                "channels": [world.channel.pk, channels["mastodon"].pk],
                "text_en": "Closed.",
                "text_fr": "Fermé.",
            },
        ).content.decode()
    )
    _says(preview, MASTODON_CAPTIONS, language)
    _says(_page(world.author, language, f"/posts/{post.pk}/"), MASTODON_CAPTIONS, language)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_connect_page_speaks_the_readers_language(language: str, settings: Any) -> None:
    settings.PLATFORM_APPS = {}  # no registered X application: the page says what to do
    world = make_world(prefix=f"cn{language}")
    page = _page(world.admin, language, f"/channels/connect/?brand={world.brand.pk}")
    for sentence in (MASTODON_SEARCH, X_ANY_INBOX, LINKEDIN_HIDE, REGISTER_APP):
        _says(page, sentence, language)


def test_the_conversation_page_and_the_refusals_speak_the_readers_language() -> None:
    world = make_world(prefix="cv")
    channels = _channels(world)
    direct = make_message(channel=channels["x"], text="Private question", kind="direct")
    page = _page(world.responder, "fr", f"/inbox/c/{direct.conversation_id}/")
    _says(page, X_FREE_INBOX, "fr")
    with translation.override("fr"):
        assert cannot_block_reason(channels["linkedin"]) == (
            "L’API de LinkedIn ne peut pas bloquer un membre ; faites-le sur linkedin.com."
        )
        assert registry.limitation(channels["mastodon"], Capability.LISTEN_KEYWORDS).startswith(
            MASTODON_SEARCH["fr"]
        )
        assert any(
            n.startswith(YOUTUBE_TEXT["fr"]) for n in registry.limitations_for(channels["youtube"])
        )
    with translation.override("ar"):
        notes = registry.limitations_for(channels["newsroom"])
        assert all(isinstance(note, str) for note in notes)
        assert notes[0].startswith(NEWSROOM_SOURCE["ar"])


def test_what_a_connector_raises_is_read_where_it_is_raised() -> None:
    # The worker runs in the installation's language: the sentence it stores is English.
    error = UnsupportedError(TIER_SENTENCE, status=403)
    assert isinstance(error.message, str)
    assert str(error) == f"{TIER_SENTENCE} · HTTP 403"
    assert error.message.startswith("X's API gives mentions")
    # Raised while a French page is answered, it is French, and stays so once raised.
    with translation.override("fr"):
        error = UnsupportedError(TIER_SENTENCE)
    assert error.message.startswith(X_FREE_INBOX["fr"])
