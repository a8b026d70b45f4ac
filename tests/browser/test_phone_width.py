"""Every screen is usable on a phone: at 390 × 844 no page scrolls sideways, whatever the
role, and long unbroken text (a 200-character title, a pasted link) wraps instead of widening
the page, on a phone and on a desktop alike. Wide tables may scroll inside themselves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import Role
from tests.factories import (
    PASSWORD,
    World,
    approve_post,
    make_member,
    make_message,
    make_post,
    make_world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_TITLE = "Roadworks" + "X" * 191  # 200 characters, no space to break at
LONG_WORD = "https://example.org/" + "a" * 180

# The elements that stick out of the viewport, innermost first: says what to fix on failure.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth + 0.5;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit
              && ![...e.children].some(c => c.getBoundingClientRect().right > limit))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
              + ` right=${Math.round(e.getBoundingClientRect().right)}`);
}"""


@dataclass
class Scene:
    world: World
    post_url: str
    conversation_url: str
    author_url: str


def _scene(prefix: str) -> Scene:
    world = make_world(prefix=prefix)
    post = make_post(
        brand=world.brand,
        author=world.author,
        title=LONG_TITLE,
        texts={"en": f"Detour via {LONG_WORD}", "fr": f"Déviation {LONG_WORD}"},
    )
    approve_post(post=post, author=world.author, approver=world.approver)
    make_post(brand=world.brand, author=world.author, title="Pool opening hours")
    message = make_message(
        channel=world.channel,
        text=f"Is this still true? {LONG_WORD}",
        author_handle="citizen" + "z" * 60,
    )
    # An answer naming its author: the influencers' graph and its table have a line to draw.
    answer = make_message(
        channel=world.channel,
        text=f"@{message.author.handle} {LONG_WORD}",
        author_handle="neighbour" + "n" * 60,
        conversation=message.conversation,
        kind="reply",
    )
    InboundMessage.objects.filter(pk=answer.pk).update(in_reply_to_remote_id=message.remote_id)
    return Scene(
        world=world,
        post_url=f"/posts/{post.pk}/",
        conversation_url=f"/inbox/c/{message.conversation_id}/",
        author_url=f"/inbox/authors/{message.author_id}/",
    )


def _sign_in(page, base: str, user) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _too_wide(page, what: str, width: int) -> list[str]:  # noqa: ANN001
    """What is wrong with the page's width, if anything (every page is measured, then told)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll <= width:
        return []
    return [f"{what} is {scroll} px wide: {page.evaluate(OVERFLOWING)}"]


def _inside_viewport(page, selector: str, width: int) -> None:  # noqa: ANN001
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


@pytest.mark.parametrize(
    "role", ["admin", "manager", "author", "approver", "responder", "analyst", "viewer"]
)
def test_every_screen_fits_a_phone(live_server, browser, role: str) -> None:  # noqa: ANN001
    scene = _scene(prefix=f"w{role[:3]}")
    world = scene.world
    person = (
        make_member(organization=world.org, role=Role.ANALYST, brand=world.brand)
        if role == "analyst"
        else getattr(world, role)
    )
    base = live_server.url
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, base, person)
        menu = page.eval_on_selector_all(
            "nav.sidebar ul.nav a", "links => links.map(a => a.getAttribute('href'))"
        )
        assert "/" in menu and len(menu) >= 5, menu
        extra = [
            scene.post_url,
            f"{scene.post_url}edit/",
            scene.conversation_url,
            scene.author_url,
            "/policy/",
            "/channels/",
            "/channels/connect/",
            f"/channels/{world.channel.pk}/settings/",
            "/audit/",
            "/posts/new/",
            f"/posts/new/?brand={world.brand.pk}",
            "/no-such-page/",
        ]
        statuses, problems = set(), []
        for url in dict.fromkeys([*menu, *extra]):
            answer = page.goto(f"{base}{url}")
            statuses.add(answer.status)
            problems += _too_wide(page, f"{url} as {role}", PHONE["width"])
        assert not problems, "\n".join(problems)
        assert 404 in statuses
        if role != "admin":
            assert 403 in statuses  # the refusal page was measured too

        page.goto(f"{base}{scene.post_url}")
        _inside_viewport(page, "main h1", PHONE["width"])
        if page.locator("button:has-text('Cancel post')").count():
            _inside_viewport(page, "button:has-text('Cancel post')", PHONE["width"])
    finally:
        context.close()


def test_a_long_title_does_not_widen_the_desktop_page(live_server, browser) -> None:  # noqa: ANN001
    scene = _scene(prefix="wdesk")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, live_server.url, scene.world.author)
        problems = []
        for url in (scene.post_url, "/posts/", scene.conversation_url, "/inbox/"):
            page.goto(f"{live_server.url}{url}")
            problems += _too_wide(page, url, DESKTOP["width"])
        assert not problems, "\n".join(problems)
        page.goto(f"{live_server.url}{scene.post_url}")
        _inside_viewport(page, "main h1", DESKTOP["width"])
        _inside_viewport(page, "button:has-text('Cancel post')", DESKTOP["width"])
    finally:
        context.close()
