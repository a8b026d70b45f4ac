"""Sign-in in a real browser: enrol a second factor because the organization requires it,
sign out, sign in again with the code, see one's sessions, and be locked out after repeated
failures; the sign-in page fits a 390 px phone.
"""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache

from civicdesk.accounts.models import SignInEvent
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, make_user, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows; a step ahead is accepted too (clock drift)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps_ahead))


def submit_sign_in(page, base: str, login: str, password: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.click("form button[type=submit].primary")


def test_enrol_totp_sign_in_with_it_see_sessions_and_get_locked_out(
    live_server,  # noqa: ANN001
    page,  # noqa: ANN001
    shot,  # noqa: ANN001
) -> None:
    cache.clear()  # no failed sign-ins left over from other tests
    base = live_server.url
    world = make_world()
    world.org.mfa_required_for_all = True
    world.org.save(update_fields=["mfa_required_for_all"])
    user = world.author.get_username()

    # 1. Password first; the organization's rule sends the person to enrol before anything.
    submit_sign_in(page, base, user, PASSWORD)
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("#id_password", PASSWORD)  # changing second factors asks for it again
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1  # the QR code
    shot("signin-enrol-totp")
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/**")
    page.goto(f"{base}/")
    assert page.url == f"{base}/"

    # 2. Sign out, then in again: the code is asked for after the password.
    page.click("form.signout button")
    page.wait_for_url("**/login/")
    submit_sign_in(page, base, user, PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    shot("signin-second-step")
    page.fill("#id_code", totp_code(secret, steps_ahead=1))  # not the one used to enrol
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # 3. The person's sessions, reached from the menu.
    page.click("a.security-link")
    page.wait_for_url("**/accounts/2fa/")
    page.click("text=Sessions")
    page.wait_for_url("**/accounts/sessions/")
    assert "Chrome" in page.content() or "HeadlessChrome" in page.content()
    shot("signin-sessions")
    page.click("form.signout button")
    page.wait_for_url("**/login/")

    # 4. Five wrong passwords lock the account: the right one is refused too.
    for _ in range(5):
        submit_sign_in(page, base, user, "not-the-password")
        page.wait_for_load_state()
    submit_sign_in(page, base, user, PASSWORD)
    page.wait_for_load_state()
    assert "Too many failed login attempts" in page.content()
    assert page.url.startswith(f"{base}/login/")
    shot("signin-locked-out")
    actions = set(SignInEvent.objects.filter(user=world.author).values_list("action", flat=True))
    assert {"signin", "mfa.totp.added", "signout", "signin.failed", "signin.locked"} <= actions


def test_the_sign_in_pages_fit_a_phone(live_server, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/login/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.locator("#id_login").is_visible()
        assert phone.locator("a[href='/accounts/password/reset/']").is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(SCREENSHOTS / "signin-phone.png"), full_page=True)
        user = make_user()
        phone.fill("#id_login", user.get_username())
        phone.fill("#id_password", PASSWORD)
        phone.click("form button[type=submit].primary")
        phone.wait_for_url(f"{live_server.url}/")
        for path in ("/accounts/2fa/", "/accounts/sessions/", "/accounts/password/change/"):
            phone.goto(f"{live_server.url}{path}")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide"
    finally:
        context.close()
