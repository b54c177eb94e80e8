"""A local Prefect server that `fauxforce run` starts once and reuses, so a run does not pay a server start.

Without a configured Prefect API (PREFECT_API_URL), Prefect starts a temporary server for each process that
runs a flow and stops it at exit: seconds of every run spent before the first row moves. Instead, the first
`fauxforce run` starts `prefect server start` on a free 127.0.0.1 port in the background, under a small
supervisor process, and every later run from the same Prefect home finds it and uses it. The server keeps
the runs' history, so its UI shows them while it is up.

It stops by itself once no run has used it for `idle` seconds (FAUXFORCE_PREFECT_SERVER_IDLE, in minutes),
never during a run: a run holds a shared lock on `fauxforce-server.inuse` in the Prefect home for its whole
length, and the supervisor stops only when it can take that lock exclusively. `fauxforce server stop` stops
it at once. Its state is one file beside the lock (`fauxforce-server.json`: address and supervisor pid), its
output goes to `fauxforce-server.log`, and its database is the Prefect home's own, as a temporary server's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fauxforce.core.files import write_text_atomic

STATE = "fauxforce-server.json"
START_LOCK = "fauxforce-server.lock"  # one process at a time looks for the server and starts it
IN_USE = "fauxforce-server.inuse"  # runs hold it shared; its mtime is the last time a run used the server
LOG = "fauxforce-server.log"
DEFAULT_IDLE = 30 * 60.0  # seconds
START_TIMEOUT = 120.0  # seconds for a new server to answer; a cold start here takes about 7 s
POLL = 2.0  # seconds between the supervisor's looks at its server and at the runs' lock


class LocalServerError(RuntimeError):
    """The local server could not be started (one line: what, and where its log is)."""


@dataclass(frozen=True)
class LocalServer:
    url: str  # the API URL, http://127.0.0.1:<port>/api
    pid: int  # the supervisor's process id
    idle: float  # seconds without a run before it stops
    started: bool = False  # this process started it

    @property
    def ui(self) -> str:
        return self.url.removesuffix("/api")


def prefect_home() -> Path:
    """The Prefect home this process's Prefect settings name (environment, profile or prefect.toml)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home).expanduser().resolve()


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:  # loopback only
            return bool(response.status == 200)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recorded(home: Path) -> LocalServer | None:
    """The local server the state file names, if its supervisor is alive."""
    try:
        state = json.loads((home / STATE).read_text())
        server = LocalServer(str(state["url"]), int(state["pid"]), float(state["idle"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return server if _alive(server.pid) else None


def status(home: Path) -> LocalServer | None:
    """The local server of this Prefect home, if one is up and answering."""
    server = _recorded(home)
    return server if server is not None and healthy(server.url) else None


def _reuse(home: Path, patience: float = 15.0) -> LocalServer | None:
    """The recorded server once it answers (a busy machine may keep it `patience` seconds); one that does not is
    told to stop, and None is returned."""
    server = _recorded(home)
    if server is None:
        return None
    deadline = time.monotonic() + patience
    while not healthy(server.url):
        if time.monotonic() > deadline or not _alive(server.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGTERM)
            return None
        time.sleep(0.5)
    return server


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def in_use(home: Path, idle: float = DEFAULT_IDLE, timeout: float = START_TIMEOUT) -> Iterator[LocalServer]:
    """The local server of `home`, started if none is up, kept up for the length of the block."""
    with _locked(home / IN_USE, fcntl.LOCK_SH):  # waits while a supervisor is stopping its server
        os.utime(home / IN_USE)
        with _locked(home / START_LOCK, fcntl.LOCK_EX):
            server = _reuse(home) or _start(home, idle, timeout)
        try:
            yield server
        finally:
            os.utime(home / IN_USE)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(home: Path, idle: float, timeout: float) -> LocalServer:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "fauxforce.core.local_server", str(home), str(port), str(idle)]
    with (home / LOG).open("a") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting on {url}\n")
        log.flush()
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while not healthy(url, timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            raise LocalServerError(
                f"the local Prefect server did not start on {url} (its log: {home / LOG}); "
                "set PREFECT_API_URL to a running server, or FAUXFORCE_PREFECT_SERVER=temporary"
            )
        time.sleep(0.2)
    server = LocalServer(url, process.pid, idle, started=True)
    write_text_atomic(home / STATE, json.dumps({"url": url, "pid": process.pid, "idle": idle}))
    return server


def stop(home: Path, timeout: float = 30.0) -> LocalServer | None:
    """Stop this home's local server (after any run using it ends), answering or not; return what was stopped,
    if anything."""
    server = _recorded(home)
    if server is None:
        (home / STATE).unlink(missing_ok=True)
        return None
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return server


def supervisors() -> list[tuple[int, Path]]:
    """(pid, Prefect home) of every local server's supervisor on this machine (from /proc; empty elsewhere)."""
    found: list[tuple[int, Path]] = []
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return found
    for pid in pids:  # each may end while it is read: glob's own stat of it then raised ProcessLookupError
        try:
            args = Path("/proc", pid, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(args) > 3 and args[1:3] == [b"-m", __name__.encode()]:
            found.append((int(pid), Path(args[3].decode())))
    return found


def supervise(home: Path, port: int, idle: float) -> int:
    """Run `prefect server start` on 127.0.0.1:`port` until no run has used it for `idle` seconds, a SIGTERM
    comes (then after the runs using it end), the Prefect home goes away, or the server ends; then stop it and
    forget the state file. The server is stopped however this ends."""
    command = ["server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services", "--analytics-off"]
    server = subprocess.Popen([sys.executable, "-m", "prefect", *command], stdin=subprocess.DEVNULL)
    stopping = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    lock_path = home / IN_USE
    try:
        lock_path.touch()
        with lock_path.open("a") as lock:
            while not stopping and server.poll() is None and not _idle(lock, lock_path, idle):
                time.sleep(POLL)
            if stopping:  # `fauxforce server stop`: wait for the runs using it
                fcntl.flock(lock, fcntl.LOCK_EX)
            _forget(home, os.getpid())
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


def _idle(lock: IO[str], path: Path, idle: float) -> bool:
    """Whether the server may stop now: no run for `idle` seconds and none holding it (the lock is then taken,
    so that no run starts on a server going away), or its Prefect home is gone."""
    try:
        if time.time() - path.stat().st_mtime < idle:
            return False
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _forget(home: Path, pid: int) -> None:
    try:
        if json.loads((home / STATE).read_text()).get("pid") == pid:
            (home / STATE).unlink()
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(supervise(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
