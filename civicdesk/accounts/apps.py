from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_tables(using: str = "default", **_: Any) -> None:
    # Lockout and rate-limit counters live in the cache, by default a database table that
    # every web process shares: each migrate creates it if missing (idempotent; other
    # cache backends are left alone by the command).
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "civicdesk.accounts"
    label = "accounts"
    verbose_name = "Sign-in and sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.accounts import receivers

        receivers.connect()
        post_migrate.connect(
            _create_cache_tables, sender=self, dispatch_uid="civicdesk.accounts.cache_tables"
        )
