"""A throwaway PostgreSQL cluster (initdb + pg_ctl) on a unix socket, for tests and benchmarks."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_UNPRIVILEGED = "postgres"  # initdb refuses to run as root


def server_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's versioned directories)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


class PostgresCluster:
    """A running cluster: ``url(database)`` gives a SQLAlchemy URL (psycopg 3) over its unix socket."""

    def __init__(self, socket_dir: Path, user: str) -> None:
        self.socket_dir = socket_dir
        self.user = user

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}"

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host=str(self.socket_dir), user=self.user, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", _UNPRIVILEGED, "--", *command]


@contextmanager
def throwaway_cluster() -> Iterator[PostgresCluster]:
    """initdb a cluster in a temporary directory, start it listening only on a unix socket, stop and delete it.

    Raises:
        RuntimeError: no server binaries, or the cluster would not start (the message says why).
    """
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="clearmark-pg-"))
    user = _UNPRIVILEGED if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
    try:
        if os.geteuid() == 0:
            shutil.chown(root, _UNPRIVILEGED)
        data = root / "data"
        run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
        try:
            subprocess.run(
                _as_owner(
                    [str(binaries / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"]
                ),
                **run,
            )
            options = f"-c listen_addresses='' -c unix_socket_directories={root} -c fsync=off -c full_page_writes=off"
            subprocess.run(
                _as_owner(
                    [
                        str(binaries / "pg_ctl"),
                        "-D",
                        str(data),
                        "-l",
                        str(root / "log"),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                ),
                **run,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            log = (root / "log").read_text(errors="replace")[-2000:] if (root / "log").exists() else ""
            detail = getattr(error, "stderr", "") or ""
            raise RuntimeError(f"PostgreSQL would not start: {error}; {detail.strip()} {log.strip()}") from error
        try:
            yield PostgresCluster(root, user)
        finally:
            subprocess.run(
                _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
