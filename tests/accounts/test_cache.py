"""Lockout counters are shared by every process of an install: the cache is a database table
(or Redis), never one process's memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from civicdesk.config import CACHE_TABLE, ConfigError, cache_config, database_url
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Too many failed login attempts"

# Another process of the same install: five wrong passwords for one account.
FAIL_FIVE_TIMES = """
import sys, django
django.setup()
from django.test import Client
client = Client(SERVER_NAME="127.0.0.1")
for _ in range(5):
    answer = client.post("/login/", {"login": sys.argv[1], "password": "wrong"})
    assert answer.status_code == 200, answer.status_code
print("failed five times")
"""


@pytest.mark.slow
def test_failures_counted_in_another_process_lock_out_sign_in_here(
    transactional_db: None,
) -> None:
    assert CACHE_TABLE in connection.introspection.table_names()  # made by migrate
    cache.clear()
    person = make_user()
    env = dict(os.environ, DATABASE_URL=database_url(connection.settings_dict))
    env.pop("CACHE_URL", None)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", FAIL_FIVE_TIMES, person.get_username()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "failed five times" in done.stdout
    refused = Client().post("/login/", {"login": person.get_username(), "password": PASSWORD})
    assert refused.status_code == 200 and LOCKED in refused.content.decode()
    # The counters are this person's: someone else signs in from here.
    other = make_user()
    ok = Client().post("/login/", {"login": other.get_username(), "password": PASSWORD})
    assert ok.status_code == 302
    cache.clear()


def test_the_default_cache_is_the_database_table() -> None:
    assert cache_config("") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
    }
    assert cache_config("db://") == cache_config("")


def test_cache_url_names_redis_or_the_process_memory() -> None:
    redis = cache_config("redis://cache.internal:6379/2")
    assert redis == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
    }
    assert cache_config("rediss://cache.internal:6380/0")["LOCATION"].startswith("rediss://")
    assert cache_config("locmem://")["BACKEND"].endswith("LocMemCache")


def test_a_bad_cache_url_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="CACHE_URL"):
        cache_config("memcached://127.0.0.1:11211")
