"""The `opencorpo` command: demo, serve, worker, db, model bundles and Django management, with one-line errors."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from config.environment import ConfigError
from opencorpo.embedded_db import DEFAULT_PORT, EmbeddedDatabaseError, EmbeddedPostgres

BASE_DIR = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class DatabaseUnreachable(Exception):
    """The configured database does not answer."""


def data_dir() -> Path:
    return Path(os.environ.get("OPENCORPO_DATA_DIR") or BASE_DIR / ".opencorpo").resolve()


def setup_django() -> None:
    """Load settings (ConfigError on a bad value) and check that the database answers."""
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    import psycopg

    where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}/{database['NAME']}"
    try:
        psycopg.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            dbname=database["NAME"],
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            connect_timeout=5,
        ).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseUnreachable(
            f"cannot reach the database at {where} ({reason}). Check DATABASE_URL and that PostgreSQL is running."
        ) from None


COMMANDS_WITHOUT_DATABASE = {
    "check",
    "makemigrations",
    "spectacular",
    "collectstatic",
    "help",
    "version",
    "--help",
    "-h",
}


def run_django_command(argv: Sequence[str]) -> int:
    """Run a Django management command; check the database first unless the command needs none."""
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    def run() -> None:
        command = argv[1] if len(argv) > 1 else "help"
        if command not in COMMANDS_WITHOUT_DATABASE:
            setup_django()
        execute_from_command_line(list(argv))

    return _guarded(run, django_errors=(OperationalError,))


def _guarded(action, django_errors: tuple[type[BaseException], ...] = ()) -> int:  # type: ignore[no-untyped-def]
    try:
        result = action()
    except ConfigError as error:
        return _fail(f"configuration error: {error}")
    except (DatabaseUnreachable, EmbeddedDatabaseError) as error:
        return _fail(str(error))
    except django_errors as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return _fail(f"database error: {first}. Check DATABASE_URL and that PostgreSQL is running.")
    return int(result or 0)


def _fail(message: str) -> int:
    print(f"opencorpo: {message}", file=sys.stderr)
    return 2


# --- serve / worker ----------------------------------------------------------------------


def _metrics_dir(clean: bool) -> str:
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir() / "metrics")
    if clean and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


def gunicorn_command(bind: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--config",
        "python:opencorpo.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
    ]


def worker_command(concurrency: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
    ]


def cmd_serve(args: argparse.Namespace) -> int:
    _metrics_dir(clean=True)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    os.execv(sys.executable, gunicorn_command(args.bind, args.workers))  # noqa: S606 (argv list, no shell)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _metrics_dir(clean=False)
    setup_django()
    os.execv(sys.executable, worker_command(args.concurrency))  # noqa: S606 (argv list, no shell)
    return 0


# --- demo ----------------------------------------------------------------------------------


def _demo_passwords(folder: Path) -> dict[str, str]:
    """One random password per demo user, kept (mode 600) so that a second run reuses them."""
    from opencorpo.accounts.services import DEMO_USERS

    path = folder / "demo-users.json"
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for _, username, _ in DEMO_USERS:
        passwords.setdefault(username, secrets.token_urlsafe(9))
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def _wait_for_job(job_id: uuid.UUID, seconds: float) -> str:
    from opencorpo.core.models import FINISHED_STATUSES, Job

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status in FINISHED_STATUSES:
            return f"{job.status}{': ' + job.error if job.error else ''}"
        time.sleep(0.5)
    return "still queued: is the worker running? (see its log above)"


def _wait_for_http(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (loopback URL we built)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def cmd_demo(args: argparse.Namespace) -> int:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["OPENCORPO_DATA_DIR"] = str(folder)
    database: EmbeddedPostgres | None = None
    if not os.environ.get("DATABASE_URL"):
        database = EmbeddedPostgres(folder / "postgres", port=int(os.environ.get("OPENCORPO_PG_PORT") or DEFAULT_PORT))
        print(f"Starting the embedded PostgreSQL in {database.data_dir} …", flush=True)
        os.environ["DATABASE_URL"] = database.start()
    _metrics_dir(clean=True)
    children: list[subprocess.Popen[bytes]] = []

    def stop(signum: int | None = None, frame: FrameType | None = None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        setup_django()
        from django.contrib.auth.hashers import make_password
        from django.core.management import call_command

        from opencorpo.core.services import job_submit

        print("Applying database migrations …", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        passwords = _demo_passwords(folder)
        children.append(subprocess.Popen(worker_command(args.worker_concurrency), cwd=BASE_DIR))
        bind = f"{args.host}:{args.port}"
        children.append(subprocess.Popen(gunicorn_command(bind, args.workers), cwd=BASE_DIR))
        hashes = {user: make_password(password) for user, password in passwords.items()}
        key = "demo-" + secrets.token_hex(4) if args.reload else "demo-initial"
        job = job_submit(
            kind="demo.load", params={"password_hashes": hashes}, idempotency_key=key, check_permission=False
        )
        print(f"Loading the demo company through the worker (job {job.pk}) …", flush=True)
        outcome = _wait_for_job(job.pk, 180)
        base = f"http://{'127.0.0.1' if args.host in {'0.0.0.0', '::'} else args.host}:{args.port}"  # noqa: S104
        ready = _wait_for_http(f"{base}/readyz", 60)
        _banner(base, passwords, outcome, ready)
        while all(child.poll() is None for child in children):
            time.sleep(1)
        print("opencorpo: a demo process stopped unexpectedly; shutting down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping OpenCorpo …", flush=True)
        return 0
    finally:
        _stop_children(children)
        if database is not None:
            database.stop()


def _banner(base: str, passwords: dict[str, str], outcome: str, ready: bool) -> None:
    from opencorpo.accounts.services import DEMO_USERS

    lines = [
        "",
        "OpenCorpo demo is running.",
        f"  Web UI:     {base}/",
        f"  API docs:   {base}/api/docs/",
        f"  Readiness:  {base}/readyz ({'ready' if ready else 'NOT ready, see the log'})",
        f"  Demo load:  {outcome}",
        "  Users (role: username / password):",
    ]
    lines += [f"    {role.value:<14} {name} / {passwords[name]}" for role, name, _ in DEMO_USERS]
    lines += ["    (eu-planner reads and writes Europe only: member-level access.)"]
    lines += ["Press Ctrl-C to stop every process this command started.", ""]
    print("\n".join(lines), flush=True)


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# --- embedded database management ----------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    database = EmbeddedPostgres(data_dir() / "postgres", port=int(os.environ.get("OPENCORPO_PG_PORT") or DEFAULT_PORT))
    if args.action == "start":
        print(database.start())
    elif args.action == "stop":
        database.stop()
    else:
        print("running" if database.running() else "stopped")
    return 0


# --- model bundles -------------------------------------------------------------------------------------------


def cmd_model(args: argparse.Namespace) -> int:
    """Export a model to a bundle folder or .zip, or import one (docs/bundles.md)."""
    setup_django()
    from opencorpo.core.errors import UserError
    from opencorpo.planning.bundle_import import bundle_import
    from opencorpo.planning.bundles import bundle_export
    from opencorpo.planning.models import Model

    try:
        if args.action == "export":
            model = Model.objects.filter(code=args.model).first()
            if model is None:
                return _fail(f"there is no model {args.model!r}; give the code of an existing model.")
            done = bundle_export(model=model, path=Path(args.path))
            counts = f"{done['cubes']} cubes, {done['values']:,} values, {done['rates']} rates"
            print(f"Exported model {done['model']!r} to {done['path']}: {counts}, {done['allocations']} allocations.")
        else:
            model = bundle_import(path=Path(args.path), code=args.code)
            print(f"Imported model {model.code!r} ({model.name}) from {args.path}.")
    except UserError as error:
        return _fail(error.message)
    except OSError as error:
        return _fail(f"{error.strerror or error}: {error.filename or args.path}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    """`opencorpo import` / `opencorpo export` (opencorpo/dataio/cli.py)."""
    setup_django()
    from opencorpo.core.errors import UserError
    from opencorpo.dataio import cli

    try:
        return (cli.cmd_import if args.command == "import" else cli.cmd_export)(args, _fail)
    except UserError as error:
        return _fail(error.message)
    except (OSError, ValueError) as error:
        return _fail(f"{error}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opencorpo", description="OpenCorpo: planning cubes that write back.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the zero-setup demo: embedded PostgreSQL, demo company, web UI and worker")
    demo.add_argument("--host", default=os.environ.get("OPENCORPO_HOST", "127.0.0.1"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("OPENCORPO_PORT", "8000")))
    demo.add_argument("--workers", type=int, default=2, help="web processes")
    demo.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker processes")
    demo.add_argument("--reload", action="store_true", help="load the demo data again even if it was loaded before")
    serve = sub.add_parser("serve", help="serve the web app with gunicorn (production)")
    serve.add_argument("--bind", default=os.environ.get("OPENCORPO_BIND", "0.0.0.0:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "2")))
    db = sub.add_parser("db", help="start, stop or inspect the embedded PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status"])
    model = sub.add_parser("model", help="export a model to a bundle (folder or .zip of YAML and CSV) or import one")
    model_actions = model.add_subparsers(dest="action", required=True)
    export = model_actions.add_parser("export", help="write the model MODEL to PATH (a folder, or a .zip)")
    export.add_argument("model", help="the model's code")
    export.add_argument("path", help="a folder (empty, or a bundle to overwrite) or a file ending in .zip")
    imported = model_actions.add_parser("import", help="create a model from the bundle at PATH")
    imported.add_argument("path", help="a bundle folder or .zip")
    imported.add_argument("--code", help="create the model under this code instead of the bundle's")
    from opencorpo.dataio.cli import add_parsers

    add_parsers(sub)
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    sub.add_parser("bench", help="generate benchmark data and measure the read and write paths", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return run_django_command(["opencorpo manage", *argv[1:]])
    if argv and argv[0] == "bench":  # benchmarks live in the repository's bench/ folder, not in the package
        sys.path.insert(0, str(BASE_DIR))
        import importlib

        bench = importlib.import_module("bench.cli")
        return _guarded(lambda: bench.main(argv[1:]))
    args = _parser().parse_args(argv)
    handlers = {
        "demo": cmd_demo,
        "serve": cmd_serve,
        "worker": cmd_worker,
        "db": cmd_db,
        "model": cmd_model,
        "import": cmd_data,
        "export": cmd_data,
    }
    from django.db.utils import OperationalError

    return _guarded(lambda: handlers[args.command](args), django_errors=(OperationalError,))


if __name__ == "__main__":
    sys.exit(main())
