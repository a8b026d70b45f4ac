"""An organization with two official languages, an English and a French account on the
exercise network (served over real HTTP by the live server), and helpers to run the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Channel, Organization
from civicdesk.publishing import publisher
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.core.conftest import Desk, desk  # noqa: F401 - the shared fixture

TEXTS = {"en": "Highway 1 is closed at Exit 12.", "fr": "L'autoroute 1 est fermée à la sortie 12."}


@dataclass
class Bilingual:
    desk: Desk
    en: Channel
    fr: Channel
    en_account: NetAccount
    fr_account: NetAccount


@pytest.fixture
def bilingual(desk: Desk, live_server: Any, settings: Any) -> Bilingual:  # noqa: F811
    # Generous: the machine running the tests may be busy, and a slow answer is not a fault.
    settings.CONNECTOR_TIMEOUT_SECONDS = 3.0
    settings.EXNET_FAULT_HOLD_SECONDS = 3.5
    Organization.objects.filter(pk=desk.org.pk).update(official_languages=["en", "fr"])
    desk.org.refresh_from_db()
    made = {}
    for lang in ("en", "fr"):
        account, token = create_account(handle=f"roads_{lang}", display_name=f"Roads {lang}")
        channel = org_services.channel_create(
            brand=desk.brand,
            platform="exnet",
            handle=f"roads_{lang}",
            languages=[lang],
            api_base_url=f"{live_server.url}/exnet/api",
            credentials={"token": token},
        )
        made[lang] = (channel, account)
    return Bilingual(desk, made["en"][0], made["fr"][0], made["en"][1], made["fr"][1])


def approved_post(world: Bilingual, channels: list[Channel] | None = None) -> Post:
    team = world.desk
    draft = pub_services.Draft(
        title="Highway 1 closure",
        texts=TEXTS,
        channels=channels or [world.en, world.fr],
        scheduled_at=timezone.now() + timedelta(seconds=2),
    )
    post = pub_services.post_create(brand=team.brand, actor=team.author, draft=draft)
    pub_services.post_submit(post=post, actor=team.author)
    post = pub_services.post_approve(post=post, actor=team.approver)
    # Due now: the time is moved back behind the approval, as the worker would find it.
    at = timezone.now() - timedelta(seconds=1)
    Post.objects.filter(pk=post.pk).update(scheduled_at=at)
    post.publications.update(scheduled_at=at, next_attempt_at=at)
    return post


def of(post: Post, channel: Channel) -> Publication:
    return post.publications.select_related("variant").get(channel=channel)


def run_tasks() -> None:
    """Run the queued background tasks (removals) as the worker does."""
    TaskWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


def settle(worker: str = "w", rounds: int = 12) -> None:
    """Run the worker's publishing steps as time passes, until nothing is pending."""
    for _ in range(rounds):
        later = timezone.now() + timedelta(seconds=120)
        publisher.publish_due(worker=worker, now=later)
        publisher.check_unconfirmed(worker=worker, now=later)
        run_tasks()
        if not Publication.objects.filter(
            state__in=[S.SCHEDULED, S.UNCONFIRMED, S.DELETING]
        ).exists():
            return
