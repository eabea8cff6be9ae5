"""The whole deployment on one machine: PostgreSQL, two dashboard instances, nginx serving HTTPS in front.

`deploy/try.sh` runs `python -m deploy.stack`; tests/test_deploy.py starts the same stack with `running()`.
The pieces are the deployment's own: nginx serves deploy/nginx/mentorship.conf (only its ports, certificate,
log paths and the folder of Streamlit's files changed), that folder is filled by deploy/static-files, and
every instance starts through deploy/run-instance, as systemd starts it.
Every port is a free one, so the stack runs beside anything else on the machine.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "mentorship.conf"
RUN_INSTANCE = DEPLOY / "run-instance"
STATIC_FILES = DEPLOY / "static-files"
NGINX = "/usr/sbin/nginx"
# The example values deploy/nginx/mentorship.conf is written with, each replaced once for the local stack.
SITE_PORTS = (8501, 8502)
SITE_CERTIFICATE = "/etc/ssl/certs/mentorship.example.org.pem"
SITE_KEY = "/etc/ssl/private/mentorship.example.org.key"
SITE_ACCESS_LOG = "/var/log/nginx/mentorship.access.log"
SITE_ERROR_LOG = "/var/log/nginx/mentorship.error.log"
SITE_STATIC_ROOT = "        root /var/www/mentorship;\n"


class MissingProgram(RuntimeError):
    """A program the stack needs is not installed; the message says which and how to install it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _wait_until(
    ready: Callable[[], bool], server: subprocess.Popen, what: str, log: Path, timeout: float
) -> None:
    """Until `ready()`; if the server exits or the time runs out first, RuntimeError with its log."""
    deadline = time.monotonic() + timeout
    while not ready():
        if server.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{what} did not start:\n{text[-4000:]}")
        time.sleep(0.2)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(server: subprocess.Popen, timeout: float = 20) -> None:
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (trust authentication, fsync off) in a temporary directory on a free
    port, as the `postgres` user when run as root; yields a URL to its `postgres` database."""
    initdb, postgres = _postgres_bin("initdb"), _postgres_bin("postgres")
    if not (initdb and postgres):
        raise MissingProgram("PostgreSQL is not installed (apt-get install postgresql)")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="mentorship-pg-"))
    data, log_path = workdir / "data", workdir / "server.log"
    if as_postgres:
        shutil.chown(workdir, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        [*as_postgres, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [*as_postgres, postgres, "-D", str(data), "-p", str(port), "-k", str(workdir), *options],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C reaches the stack, which stops its servers in order
        )
        try:
            _wait_until(lambda: _accepts(port), server, "PostgreSQL", log_path, timeout=30)
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _stop(server, timeout=30)
            shutil.rmtree(workdir, ignore_errors=True)


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for `host` (and localhost), valid 30 days, and its key: (certificate, key)."""
    if not shutil.which("openssl"):
        raise MissingProgram("openssl is not installed (apt-get install openssl)")
    certificate, key = directory / "certificate.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=Mentorship dashboard (local try)",
            "-addext",
            f"subjectAltName=IP:{host},DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return certificate, key


def _replace_once(text: str, old: str, new: str, *, times: int = 1) -> str:
    if text.count(old) != times:
        raise ValueError(
            f"{NGINX_SITE.name} no longer has exactly {times} `{old}`; update deploy/stack.py with it."
        )
    return text.replace(old, new)


def nginx_site(
    *,
    https_port: int,
    http_port: int,
    instance_ports: list[int],
    certificate: Path,
    key: Path,
    access_log: Path,
    error_log: Path,
    static_root: Path,
) -> str:
    """deploy/nginx/mentorship.conf with this machine's ports, certificate, logs and folder of Streamlit's
    files (deploy/static-files'); nothing else differs."""
    site = NGINX_SITE.read_text()
    upstream = "".join(f"    server 127.0.0.1:{port};\n" for port in instance_ports)
    site = _replace_once(site, "".join(f"    server 127.0.0.1:{port};\n" for port in SITE_PORTS), upstream)
    site = _replace_once(
        site, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"
    )
    site = _replace_once(site, "https://$host$request_uri", f"https://$host:{https_port}$request_uri")
    site = _replace_once(
        site, "    listen 443 ssl;\n    listen [::]:443 ssl;\n", f"    listen 127.0.0.1:{https_port} ssl;\n"
    )
    site = _replace_once(site, SITE_CERTIFICATE, str(certificate))
    site = _replace_once(site, SITE_KEY, str(key))
    site = _replace_once(site, SITE_STATIC_ROOT, f"        root {static_root};\n")
    site = _replace_once(site, SITE_ACCESS_LOG, str(access_log), times=2)  # each server block's
    return _replace_once(site, SITE_ERROR_LOG, str(error_log), times=3)  # each server block's, the pages'


def _nginx_main(workdir: Path, site: Path) -> str:
    """The lines of Debian's /etc/nginx/nginx.conf that concern the site (its logs too: what a server block
    without logs of its own writes to; its MIME types, without which no browser would run a script sent
    with `nosniff`; its `gzip on`, for text/html), kept inside `workdir`."""
    temp = workdir / "nginx-temp"
    temp.mkdir()
    temp.chmod(0o777)  # run as root, nginx's workers are `nobody`: they buffer request bodies here
    paths = "".join(
        f"    {kind}_temp_path {temp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    gzip on;\n"
        f"{paths}"
        f"    access_log {workdir / 'nginx-access.log'};\n"
        f"    include {site};\n"
        "}\n"
    )


@dataclass(frozen=True)
class Stack:
    url: str  # the public https:// address (MENTORSHIP_PUBLIC_URL)
    http_url: str  # plain HTTP, which only redirects to `url`
    database_url: str
    instances: list[str]  # each instance's own http:// address on 127.0.0.1
    certificate: Path
    access_log: Path  # nginx's: one line per request, with the instance (upstream=) that served it
    logs: Path  # the folder of every log the stack writes: nginx's, and each instance's output
    demo_output: str  # what `demo` printed: the counts and the demo sign-ins
    processes: list[subprocess.Popen]


@contextmanager
def running(
    database_url: str | None = None,
    *,
    instances: int = 2,
    https_port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """The stack: the store (`database_url`, or a PostgreSQL server started here) with demo data when it is
    empty, `instances` dashboard instances on it (`env` added to their environment), nginx in front with a
    self-signed certificate on `https_port` (a free one by default: give it when a setting must name the
    public address before the instances start, as single sign-on's redirect_uri does). Everything is stopped,
    in reverse order, when the block ends."""
    if not Path(NGINX).exists():
        raise MissingProgram("nginx is not installed (apt-get install nginx)")
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="mentorship-stack-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        workdir.chmod(0o755)
        if database_url is None:
            database_url = stack.enter_context(postgres_server())
        https_port, http_port = https_port or free_port(), free_port()
        public_url = f"https://127.0.0.1:{https_port}"
        env = {
            **os.environ,
            **(env or {}),
            "MENTORSHIP_DATABASE_URL": database_url,
            "MENTORSHIP_PUBLIC_URL": public_url,
            "MENTORSHIP_PYTHON": sys.executable,
            "MENTORSHIP_TRUSTED_PROXIES": "127.0.0.1,::1",  # nginx, as deploy/mentorship.env.example says
        }
        # The schema is made and the demo loaded before any instance starts, so no two migrate at once.
        demo = subprocess.run(
            [sys.executable, "-m", "mentorship", "demo", "--if-empty"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if demo.returncode != 0:
            raise RuntimeError(f"Loading the demo data failed:\n{demo.stdout}{demo.stderr}")

        processes: list[subprocess.Popen] = []

        def start(command: list[str], name: str) -> tuple[subprocess.Popen, Path]:
            log_path = workdir / f"{name}.log"
            with open(log_path, "w") as log:
                server = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            stack.callback(_stop, server)
            processes.append(server)
            return server, log_path

        ports = [free_port() for _ in range(instances)]
        started = [(port, *start([str(RUN_INSTANCE), str(port)], f"instance-{port}")) for port in ports]
        for port, server, log_path in started:
            health = f"http://127.0.0.1:{port}/_stcore/health"
            _wait_until(lambda h=health: _answers(h), server, f"The instance on port {port}", log_path, 90)

        static_root = workdir / "www"
        published = subprocess.run(
            [str(STATIC_FILES), str(static_root)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if published.returncode != 0:
            raise RuntimeError(f"deploy/static-files failed:\n{published.stdout}{published.stderr}")
        certificate, key = self_signed_certificate(workdir)
        key.chmod(0o600)
        access_log = workdir / "access.log"
        site = workdir / "mentorship.conf"
        site.write_text(
            nginx_site(
                https_port=https_port,
                http_port=http_port,
                instance_ports=ports,
                certificate=certificate,
                key=key,
                access_log=access_log,
                error_log=workdir / "error.log",
                static_root=static_root,
            )
        )
        (workdir / "nginx.conf").write_text(_nginx_main(workdir, site))
        error_log = workdir / "nginx-error.log"
        nginx, _ = start(
            [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-e", str(error_log)], "nginx"
        )
        trusted = ssl.create_default_context(cafile=str(certificate))
        _wait_until(lambda: _answers(f"{public_url}/_stcore/health", trusted), nginx, "nginx", error_log, 30)
        yield Stack(
            url=public_url,
            http_url=f"http://127.0.0.1:{http_port}",
            database_url=database_url,
            instances=[f"http://127.0.0.1:{port}" for port in ports],
            certificate=certificate,
            access_log=access_log,
            logs=workdir,
            demo_output=demo.stdout,
            processes=processes,
        )


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/try.sh",
        description="The whole deployment on this machine (PostgreSQL, dashboard instances, nginx with "
        "HTTPS) on demo data, until Ctrl+C.",
    )
    parser.add_argument("--instances", type=int, default=2, help="how many dashboard instances (default 2)")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print("Starting PostgreSQL, the demo store, the dashboard instances and nginx…", flush=True)
        with running(instances=args.instances) as stack:
            print(stack.demo_output.rstrip())
            print(f"\nThe dashboard is at {stack.url}")
            print(f"  its certificate is self-signed ({stack.certificate}): the browser warns once.")
            print(f"  instances: {', '.join(stack.instances)}; store: {stack.database_url}")
            print("Ctrl+C stops everything.", flush=True)
            while all(process.poll() is None for process in stack.processes):
                time.sleep(1)
            print("A server of the stack stopped; stopping the rest.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0
    except (MissingProgram, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
