"""Production settings: a deployment at an https address passes ``check --deploy`` clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3J9-vQ2_xZ8@pL5#mN7$wR4%tY6^uI1&oP0*aS3(dF5)gH8+jK2=lB9!cV4?eX7~"


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("ALLOWED_HOSTS", None)
    clean.pop("DEBUG", None)
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "civicdesk.settings",
            "CIVICDESK_DATA_DIR": str(tmp_path),
            "CIVICDESK_CREDENTIALS_KEY": "6mKkS2vQh6Oa2j2m6iBHv8cHo1S0yJmQk2d5uQ0r8mE=",
            **env,
        }
    )
    return subprocess.run(
        args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def settings_of(tmp_path: Path, **env: str) -> dict[str, object]:
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'ALLOWED_HOSTS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT',"
        "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_HTTPONLY',"
        "'CSRF_TRUSTED_ORIGINS', 'MAILERS', 'SESSION_IDLE_SECONDS']}))"
    )
    done = run([sys.executable, "-c", code], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_check_deploy_is_clean_for_an_https_site(tmp_path: Path) -> None:
    done = run(
        [sys.executable, "-m", "civicdesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SITE_URL="https://desk.example.org",
        SECRET_KEY=STRONG_KEY,
        EMAIL_HOST="smtp.example.org",  # printing mail to the console is no deployment
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stderr + done.stdout


@pytest.mark.slow
def test_check_deploy_warns_for_a_plain_http_site(tmp_path: Path) -> None:
    # The same check fails when the protections are off: the test above can fail.
    done = run(
        [sys.executable, "-m", "civicdesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SITE_URL="http://desk.example.org",
        SECRET_KEY=STRONG_KEY,
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W008" in done.stderr


def test_https_turns_every_transport_protection_on(tmp_path: Path) -> None:
    https = settings_of(tmp_path, SITE_URL="https://desk.example.org", SECRET_KEY=STRONG_KEY)
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["SECURE_SSL_REDIRECT"] and https["SECURE_HSTS_SECONDS"] >= 31536000
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert https["SESSION_COOKIE_HTTPONLY"]
    assert "desk.example.org" in https["ALLOWED_HOSTS"]
    assert "testserver" not in https["ALLOWED_HOSTS"]
    assert https["CSRF_TRUSTED_ORIGINS"] == ["https://desk.example.org"]
    assert https["SESSION_IDLE_SECONDS"] == 1800


def test_a_laptop_install_stays_on_http_and_prints_mail(tmp_path: Path) -> None:
    plain = settings_of(tmp_path)
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["SECURE_SSL_REDIRECT"]
    assert plain["SECURE_PROXY_SSL_HEADER"] is None and plain["SECURE_HSTS_SECONDS"] == 0
    assert "testserver" not in plain["ALLOWED_HOSTS"]
    assert plain["MAILERS"]["default"]["BACKEND"].endswith("console.EmailBackend")


def test_the_proxy_header_and_mail_come_from_the_environment(tmp_path: Path) -> None:
    chosen = settings_of(
        tmp_path,
        SITE_URL="https://desk.example.org",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme",
        SESSION_IDLE_SECONDS="600",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="desk",
        EMAIL_HOST_PASSWORD="s3cret",
    )
    assert chosen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert chosen["SESSION_IDLE_SECONDS"] == 600
    mailer = chosen["MAILERS"]["default"]
    assert mailer["BACKEND"].endswith("smtp.EmailBackend")
    assert mailer["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 465,
        "username": "desk",
        "password": "s3cret",
        "use_tls": False,
        "use_ssl": True,
        "timeout": 20,
    }
    # Set but empty: no proxy in front, so no header is trusted.
    no_proxy = settings_of(
        tmp_path, SITE_URL="https://desk.example.org", SECURE_PROXY_SSL_HEADER=""
    )
    assert no_proxy["SECURE_PROXY_SSL_HEADER"] is None
