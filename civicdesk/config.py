"""Typed readers for configuration from environment variables.

Each helper fails loudly with the variable's name when a value cannot be parsed,
so a typo in a deployment shows up at start-up, not as odd behaviour later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """A configuration value is missing or malformed."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def data_dir() -> Path:
    """The folder that holds the SQLite file, generated secrets and media."""
    path = Path(env_str("CIVICDESK_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_from_env_or_file(name: str, filename: str, nbytes: int = 32) -> str:
    """Read a secret from the environment, or from (and if need be into) the data folder.

    The demo and a laptop install need no set-up; a deployment sets the variable.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = data_dir() / filename
    if path.exists():
        stored = path.read_text().strip()
        if stored:
            return stored
    generated = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(generated)
    return generated


def database_config(url: str, base: Path) -> dict[str, object]:
    """Turn DATABASE_URL (postgres:// or sqlite:///) into Django's DATABASES entry."""
    from urllib.parse import unquote, urlparse

    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base / "civicdesk.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # One test database per test run, so parallel runs never share a file.
            "TEST": {
                "NAME": env_str("TEST_DATABASE_NAME") or str(base / f"test-{os.getpid()}.sqlite3")
            },
        }
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "civicdesk",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": env_str("TEST_DATABASE_NAME") or None},
        }
    if parsed.scheme == "sqlite":
        # sqlite:///relative/file or sqlite:////absolute/file, as elsewhere.
        name = str(Path(unquote(parsed.path)[1:]).resolve())
        return database_config("", Path(name).parent) | {"NAME": name}
    raise ConfigError(f"DATABASE_URL has an unsupported scheme {parsed.scheme!r}")


# The table of the database cache (``createcachetable`` makes it at every migrate).
CACHE_TABLE = "civicdesk_cache"


def cache_config(url: str) -> dict[str, object]:
    """Turn CACHE_URL into Django's default cache: one every process of the install shares.

    Empty or ``db://``: a table in the database. ``redis://`` or ``rediss://``: that Redis
    server (the ``redis`` package, ``pip install civicdesk[redis]``). ``locmem://``: the
    process's own memory, for one process only.
    """
    from urllib.parse import urlparse

    scheme = urlparse(url).scheme if url else "db"
    if scheme == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ConfigError(f"CACHE_URL has an unsupported scheme {scheme!r} (db, redis, locmem)")


def database_url(settings_dict: dict[str, object]) -> str:
    """The DATABASE_URL that names a connection's database (for child processes)."""
    from urllib.parse import quote

    engine = str(settings_dict["ENGINE"])
    name = str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(name).resolve()}"
    if engine.endswith("postgresql"):
        user = quote(str(settings_dict.get("USER") or ""))
        password = quote(str(settings_dict.get("PASSWORD") or ""))
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name)}"
    raise ConfigError(f"no URL form for the database engine {engine}")
