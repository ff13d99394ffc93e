"""The pieces of a real deployment for tests/test_deployment.py: a PostgreSQL server of the test's own, gunicorn
instances started with deploy/gunicorn.conf.py, and nginx running deploy/nginx.conf."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from tests.test_gunicorn import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# What the test environment may pass on to the servers; every setting of the app is given explicitly.
_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not answers(port):
        assert time.monotonic() < deadline, f"nothing answers on 127.0.0.1:{port}"
        time.sleep(0.05)


def clean_environment(**settings: str) -> dict:
    return {**{key: os.environ[key] for key in _KEPT if key in os.environ}, **settings}


def postgres_binaries() -> Path | None:
    """The newest local PostgreSQL server's bin directory (Debian's layout), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, so the test may crash it (`-m immediate`) without
    disturbing the shared server other tests use at the same moment."""

    def __init__(self, binaries: Path) -> None:
        self.binaries, self.port = binaries, free_port()
        # initdb refuses to run as root; the cluster then belongs to the postgres account.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.directory = Path(tempfile.mkdtemp(prefix="library-deploy-pg-"))
        if self.as_user:
            shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "root", "-E", "UTF8", "--no-sync")

    @property
    def admin_url(self) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.binaries / program), *args], check=True, capture_output=True,
                       timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", options,
                  "-w", "start")

    def crash(self) -> None:
        """Stop as a crash does: no checkpoint, every connection cut (`-m immediate`)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        try:
            self.crash()
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Instance:
    """One gunicorn master and its workers, in a process group of their own so that they die together."""

    name: str
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**self.env, "GUNICORN_BIND": self.address}
        with self.log.open("a") as log:
            self.process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            wait_until_serving(self.port, seconds=60)
        except AssertionError:
            raise AssertionError(f"gunicorn {self.name} did not start:\n{self.log.read_text()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a crashed host would lose them."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


NGINX_MAIN = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy_temp;
    fastcgi_temp_path {tmp}/fastcgi_temp;
    uwsgi_temp_path {tmp}/uwsgi_temp;
    scgi_temp_path {tmp}/scgi_temp;
    # The test reads which instance served each request, and the id nginx made for it.
    log_format upstreams '$remote_addr $request_method $uri $status $upstream_addr $request_id';
    access_log {tmp}/access.log upstreams;
    include {tmp}/library-api.conf;
}}
"""


def render_nginx(tmp: Path, port: int, upstreams: list[Instance]) -> Path:
    """deploy/nginx.conf with only its ports and cache directory replaced, inside a minimal main config."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8001;": f"server {upstreams[0].address};",
        "server 127.0.0.1:8002;": f"server {upstreams[1].address};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "/var/cache/nginx/library_api": str(tmp / "cache"),
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}"
        site = site.replace(old, new)
    (tmp / "library-api.conf").write_text(site)
    # As root, nginx's workers would run as `nobody`, which cannot enter pytest's private tmp directory.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(NGINX_MAIN.format(tmp=tmp, user=user))
    return tmp / "nginx.conf"


class SourceAddress(HTTPAdapter):
    """Connect from another loopback address (127.0.0.2, …): to nginx, another client machine."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddress(address))
    return session


def isbn13(n: int) -> str:
    """A valid ISBN-13 (check digit computed) numbered n, for lookups nobody knows."""
    body = f"9798{n:08d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)
