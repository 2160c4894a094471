"""Shared helpers for the benchmarks: a throwaway Dais instance served the way ``make run`` serves it.

    from bench._server import fresh_instance, serve

    with fresh_instance(PUBLIC_FORM_RATE_LIMIT="1000 per minute") as instance:   # temp dir, migrated, demo seeded
        with serve(instance) as base:                                           # "http://127.0.0.1:<free port>"
            ...                                                                  # talk HTTP to base
        instance.connect()                                                       # then read the SQLite file

What is the same as ``make run``: ``DAIS_CONFIG=development``, ``flask db upgrade``, ``flask seed-demo
--if-empty``, then ``flask run --host 127.0.0.1`` (Werkzeug's development server, one thread per connection,
no reloader and no debugger, since FLASK_DEBUG is not set). What differs: the database, the mail outbox and
the upload directory live in a temporary directory (removed afterwards unless ``keep=True``), the port is a
free one, and any ``settings`` given are passed to every command as environment variables (config.py reads
its settings from there; nothing in the app is patched).

Run the benchmarks from the repository root with the project's virtualenv: ``.venv/bin/python -m bench.<name>``.
The ``flask`` used is the one next to that Python.
"""

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
HOST = "127.0.0.1"

#: Variables that would make the server differ from ``make run``'s (debugger, reloader, another app or port).
_DROPPED = ("FLASK_DEBUG", "FLASK_RUN_HOST", "FLASK_RUN_PORT", "FLASK_RUN_RELOAD", "FLASK_RUN_DEBUGGER", "FLASK_ENV")


@dataclass
class Instance:
    """A Dais instance in ``directory``: its SQLite file, outbox and uploads, and the environment to run it."""

    directory: Path
    env: dict

    @property
    def database(self) -> Path:
        return self.directory / "dais.sqlite3"

    @property
    def outbox(self) -> Path:
        return self.directory / "outbox"

    def flask(self, *args: str, timeout: float = 300) -> str:
        """Run ``flask <args>`` on this instance; return its output, raise RuntimeError if it fails."""
        done = subprocess.run(  # noqa: S603 (our own command line)
            [str(FLASK), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout + done.stderr

    def connect(self) -> sqlite3.Connection:
        """A plain sqlite3 connection to the instance's database, to check what the server saved."""
        return sqlite3.connect(self.database, timeout=30)


@contextlib.contextmanager
def fresh_instance(*, demo: bool = True, keep: bool = False, **settings: str):
    """A new instance in a temporary directory, migrated and (``demo=True``) seeded with the demo city.

    ``settings`` are extra environment variables, e.g. ``PUBLIC_FORM_RATE_LIMIT="1000 per minute"``.
    """
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-"))
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
    env.update(
        {
            "DAIS_CONFIG": "development",
            "FLASK_APP": "wsgi.py",
            "DATABASE_URL": f"sqlite:///{directory / 'dais.sqlite3'}",
            "MAIL_SERVER": "",  # mail goes to the outbox directory, one .eml per message
            "MAIL_OUTBOX_DIR": str(directory / "outbox"),
            "UPLOAD_DIR": str(directory / "uploads"),
            "STORAGE_BACKEND": "local",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    instance = Instance(directory, env)
    try:
        instance.flask("db", "upgrade")
        if demo:
            instance.flask("seed-demo", "--if-empty")
        yield instance
    finally:
        if keep:
            sys.stdout.flush()
            print(f"instance kept in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on now (the kernel's pick). Another program could take it before we bind it:
    serve() then fails to start and says so."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen | None = None, *, timeout: float = 60, log=None) -> None:
    """Poll ``base``/healthz until it answers 200; RuntimeError if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log() if log else ''}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {base} did not start:\n{log() if log else ''}")
        time.sleep(0.1)


class Server:
    """A running ``flask run`` process: its base URL and its output (the access log and any traceback)."""

    def __init__(self, process: subprocess.Popen, base: str, log_path: Path):
        self.process, self.base, self.log_path = process, base, log_path

    def log(self) -> str:
        try:
            return self.log_path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def serve(instance: Instance, *, host: str = HOST, port: int | None = None, **settings: str):
    """Serve ``instance`` with ``flask run`` (as ``make run`` does) on a free port; yield the Server once
    /healthz answers; stop it afterwards. Its output goes to ``server.log`` in the instance directory."""
    port = port or free_port(host)
    log_path = instance.directory / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [str(FLASK), "run", "--host", host, "--port", str(port)],
            cwd=ROOT,
            env={**instance.env, **settings},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://{host}:{port}", log_path)
    try:
        wait_until_up(server.base, process, log=server.log)
        yield server
    finally:
        server.stop()


def run_in_app(script: str, env: dict, marker: str, what: str) -> dict:
    """Run ``script`` (Python, in the app's context) in a child process against the instance in ``env``; it prints
    one line ``<marker> <json>``, returned as a dict. A failure raises with the child's output."""
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stdout}{done.stderr}")
    line = next(line for line in done.stdout.splitlines() if line.startswith(f"{marker} "))
    return json.loads(line.removeprefix(f"{marker} "))
