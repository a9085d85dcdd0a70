"""Configuration: bad values end in one clear line; production settings pass Django's deploy check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.stack import ROOT

STRONG_KEY = "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789"
PRODUCTION = {
    "OPENCORPO_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "plan.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("OPENCORPO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")
        )
    }
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    base["OPENCORPO_DATA_DIR"] = os.environ["OPENCORPO_DATA_DIR"]
    return subprocess.run(
        [sys.executable, "-m", "opencorpo.cli", "manage", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY is too weak for production"),
        ({**PRODUCTION, "DEBUG": "true"}, "DEBUG=true is refused in production"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is not set"),
        ({**PRODUCTION, "REDIS_URL": ""}, "REDIS_URL is not set"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({**PRODUCTION, "DATABASE_URL": "postgres://u@host:notaport/db"}, "DATABASE_URL is malformed"),
        ({**PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL names no database"),
        ({**PRODUCTION, "CELERY_BROKER_URL": "rabbit:5672"}, "CELERY_BROKER_URL='rabbit:5672' is not understood"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/opencorpo"},
            "cannot reach the database at 127.0.0.1:1/opencorpo",
        ),
        ({"OPENCORPO_ENV": "staging"}, "OPENCORPO_ENV='staging' is unknown"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
    ],
)
def test_bad_configuration_ends_with_one_line_saying_what_to_fix(env, expected):
    result = run_manage("migrate", "--check", **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("opencorpo: ") and expected in lines[0]


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_migrations_match_the_models():
    result = run_manage("makemigrations", "--check", "--dry-run", DATABASE_URL=PRODUCTION["DATABASE_URL"])
    assert result.returncode == 0, (
        "Model changes lack a migration: run `opencorpo manage makemigrations`.\n" + result.stdout
    )


def test_the_committed_openapi_document_matches_the_code(tmp_path):
    out = tmp_path / "openapi.yaml"
    result = run_manage("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert result.returncode == 0, result.stderr
    committed = (ROOT / "docs" / "api" / "openapi.yaml").read_text()
    assert out.read_text() == committed, "The API changed: run `make openapi` and commit docs/api/openapi.yaml."


def test_the_engine_imports_nothing_from_django_celery_or_the_apps():
    lint_imports = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
