"""Typed reading of environment variables; a bad or missing value raises ConfigError with one line to act on."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import dj_database_url


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


def get_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required or default is None:
        raise ConfigError(f"{name} is not set: set it in the environment or .env (see .env.example).")
    return default


def get_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false.")


def get_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None


def get_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(name: str, url: str, *, pool_size: int) -> dict[str, Any]:
    """Turn a postgres:// URL into a Django DATABASES entry with psycopg pooling (set in Python, not in the URL)."""
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"{name} must be a PostgreSQL URL like postgres://user:password@host:5432/dbname, got scheme {scheme!r}."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as error:
        raise ConfigError(
            f"{name} is malformed ({error}); expected postgres://user:password@host:5432/dbname."
        ) from None
    if not config.get("NAME"):
        raise ConfigError(f"{name} names no database: add /dbname at the end of the URL.")
    config["CONN_MAX_AGE"] = 0  # pooling and persistent connections exclude each other
    config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": pool_size, "timeout": 10}} if pool_size > 0 else {}
    config["TEST"] = {"NAME": os.environ.get("OPENCORPO_TEST_DATABASE_NAME") or None}
    return config


def check_url(name: str, url: str, schemes: set[str]) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ConfigError(f"{name}={url!r} is not understood: it must start with one of {allowed}.")
    return url
