"""Each platform is described once (``connectors/<platform>/platform.py``), and everything
built from the description agrees with it: the registry, the model choices, the settings
and the rules table. What a channel can do is asked of the channel, so the composer, the
conversation page, the reply action and the worker give one answer."""

from __future__ import annotations

import io
import pkgutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils.module_loading import import_string

import civicdesk.connectors as connectors_package
from civicdesk.config import env_str
from civicdesk.connectors import auth, catalog, registry
from civicdesk.connectors.auth import AuthFlow
from civicdesk.connectors.base import Capability, Connector
from civicdesk.connectors.spec import PlatformSpec
from civicdesk.connectors.x.tiers import TIER_LIMITATION, TIER_SENTENCE
from civicdesk.inbox import services as inbox_services
from civicdesk.inbox.models import Reply, ReplyState
from civicdesk.inbox.tasks import deliver_reply
from civicdesk.organizations.models import Channel, Platform
from civicdesk.organizations.services import channel_create
from civicdesk.pages.forms import ComposeForm
from civicdesk.publishing.checks import postable_channels
from civicdesk.rules import PLATFORMS, THREAD_PLATFORMS, platform_limits
from tests.factories import World, make_message, make_world

PACKAGE_DIR = Path(connectors_package.__file__).parent
# Packages that hold what several platforms share, not a platform of their own.
SHARED_PACKAGES = {"meta"}


def _packages() -> set[str]:
    return {info.name for info in pkgutil.iter_modules([str(PACKAGE_DIR)]) if info.ispkg}


def test_every_connector_package_is_a_described_platform() -> None:
    packages = _packages()
    assert packages - SHARED_PACKAGES == set(catalog.SPECS)
    for name in packages - SHARED_PACKAGES:
        assert (PACKAGE_DIR / name / "platform.py").is_file(), name
        assert (PACKAGE_DIR / name / "connector.py").is_file(), name
        assert (PACKAGE_DIR / name / "auth.py").is_file(), name
    for name in SHARED_PACKAGES:
        assert not (PACKAGE_DIR / name / "platform.py").exists(), name
    for slug, spec in catalog.SPECS.items():
        assert isinstance(spec, PlatformSpec) and spec.slug == slug
        assert spec.label


@pytest.mark.parametrize("slug", sorted(catalog.SPECS))
def test_the_registry_is_built_from_the_description(slug: str) -> None:
    spec = catalog.SPECS[slug]
    assert registry.CONNECTORS[slug] == spec.connector
    assert auth.AUTH_FLOWS[slug] == spec.auth_flow
    connector = registry.connector_class(slug)
    assert issubclass(connector, Connector) and connector.platform == slug
    assert connector.__module__ == f"civicdesk.connectors.{slug}.connector"
    flow = auth.auth_flow_class(slug)
    assert issubclass(flow, AuthFlow)
    assert import_string(spec.auth_flow) is flow
    # Only platforms with a rules table can take posts written here.
    if Capability.PUBLISH in connector.capabilities:
        assert spec.rules is not None, slug
    if spec.rules is not None:
        assert (Capability.THREADS in connector.capabilities) == spec.rules.splits_threads, slug


def test_no_other_connector_or_flow_is_registered() -> None:
    assert set(registry.CONNECTORS) == set(catalog.SPECS) == set(auth.AUTH_FLOWS)


def test_model_choices_are_the_descriptions() -> None:
    expected = [(spec.slug, spec.label) for spec in catalog.SPECS.values()]
    assert Platform.choices == expected
    assert Channel._meta.get_field("platform").choices == expected
    for spec in catalog.SPECS.values():
        assert getattr(Platform, spec.slug.upper()) == spec.slug


@pytest.mark.django_db
def test_the_choices_need_no_migration_beyond_the_one_in_the_tree() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "organizations", check=True, dry_run=True, stdout=out)
    except SystemExit:
        pytest.fail(f"the Platform choices changed without a migration:\n{out.getvalue()}")


def test_settings_are_built_from_the_descriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    with_settings = {s.slug for s in catalog.SPECS.values() if s.settings_prefix}
    assert set(settings.PLATFORM_APPS) == with_settings == set(settings.PLATFORM_API_URLS)
    # The exercise network is Civic Desk's own: it has no application and no address here.
    assert "exnet" not in with_settings
    monkeypatch.setenv("CIVICDESK_X_CLIENT_ID", "x-app")
    monkeypatch.setenv("CIVICDESK_X_TIER", "free")
    monkeypatch.setenv("CIVICDESK_MASTODON_API_URL", "https://social.example")
    apps = catalog.platform_apps(env_str)
    assert apps["x"] == {"client_id": "x-app", "client_secret": "", "tier": "free"}
    assert catalog.platform_api_urls(env_str)["mastodon"] == "https://social.example"
    for spec in catalog.SPECS.values():
        if spec.app_credentials:
            assert {"client_id", "client_secret"} <= set(apps[spec.slug]), spec.slug


def test_the_rules_table_is_built_from_the_descriptions() -> None:
    assert set(PLATFORMS) == {s.slug for s in catalog.SPECS.values() if s.rules is not None}
    for slug in PLATFORMS:
        rules = platform_limits(slug)
        assert rules is catalog.SPECS[slug].rules and rules.slug == slug
    assert set(THREAD_PLATFORMS) == {
        slug for slug in PLATFORMS if platform_limits(slug).splits_threads
    }


def test_an_x_channel_is_answered_for_its_own_tier(db: None) -> None:
    world = make_world()

    def x_channel(tier: str) -> Channel:
        credentials = {"access_token": "t", "user_id": "1"} | ({"tier": tier} if tier else {})
        return channel_create(
            brand=world.brand,
            platform="x",
            handle=f"desk_{tier or 'unknown'}",
            languages=[],
            api_base_url="",
            credentials=credentials,
        )

    free, basic, unknown = x_channel("free"), x_channel("basic"), x_channel("")
    assert not registry.supports(free, Capability.INBOX)
    assert not registry.supports(free, Capability.DIRECT_MESSAGES)
    assert registry.supports(free, Capability.PUBLISH)
    assert registry.limitation(free, Capability.INBOX) == TIER_SENTENCE
    assert TIER_SENTENCE in registry.limitations_for(free)
    assert registry.supports(basic, Capability.INBOX)
    assert registry.limitation(basic, Capability.INBOX) == ""
    # Not known: the inbox is tried, and the screens say what a free tier would mean.
    assert registry.supports(unknown, Capability.INBOX)
    assert registry.limitation(unknown, Capability.INBOX) == TIER_LIMITATION


@pytest.mark.django_db
def test_composer_conversation_page_reply_and_worker_agree_on_a_free_tier(
    client: Client,
) -> None:
    world: World = make_world()
    free = channel_create(
        brand=world.brand,
        platform="x",
        handle="cityhall_x",
        languages=[],
        api_base_url="",
        credentials={"access_token": "t", "user_id": "1", "tier": "free"},
    )
    # The worker's connector answers as the registry does, capability by capability.
    with registry.connector_for(free) as connector:
        for capability in Capability:
            assert connector.supports(capability) == registry.supports(free, capability)

    # The free tier publishes: the composer and the publisher's checks both offer it.
    form = ComposeForm(brand=world.brand)
    assert free in form.channel_list
    assert free in form.fields["channels"].queryset
    assert free in postable_channels(world.brand.pk)

    # It cannot answer a direct message: the page says why and offers no reply box...
    direct = make_message(channel=free, text="Private question", kind="direct")
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{direct.conversation_id}/").content.decode()
    assert "X&#x27;s API gives mentions and direct messages only on a paid tier" in page
    assert "Send reply" not in page
    # ...the reply action refuses it for the same reason...
    with pytest.raises(ValidationError) as refused:
        inbox_services.reply_create(message=direct, actor=world.responder, text="Hello")
    assert refused.value.messages == [TIER_SENTENCE]
    # ...and a reply that reached the worker anyway fails there with that sentence,
    # without a request to X.
    reply = Reply.objects.create(
        message=direct, conversation=direct.conversation, author=world.responder, text="Hello"
    )
    assert deliver_reply(reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.state == ReplyState.FAILED and str(TIER_SENTENCE) in reply.error

    # A comment under our post can be answered on the same channel.
    comment = make_message(channel=free, text="Public question", kind="comment")
    page = client.get(f"/inbox/c/{comment.conversation_id}/").content.decode()
    assert "Send reply" in page
    assert inbox_services.reply_create(message=comment, actor=world.responder, text="Hi")
