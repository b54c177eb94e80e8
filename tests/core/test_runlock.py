"""The warehouse's run lock: one holder at a time, named to whoever waits, gone the moment its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fauxforce.core.runlock import RunLock
from fauxforce.core.warehouse import WarehouseError

HOLD = """
import sys, time
from fauxforce.core.runlock import RunLock
with RunLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""
WAIT = """
import sys
from fauxforce.core.runlock import RunLock
lock = RunLock(sys.argv[1], poll=0.2, on_wait=lambda m: print(m, flush=True))
print("waiting", flush=True)
with lock:
    print("got it", flush=True)
"""


def _start(script: str, url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", script, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line in ("held", "waiting"), (line, process.stderr.read() if process.stderr else "")
    return process


@pytest.fixture
def lock_url(warehouse_url: str) -> str:
    return warehouse_url


def test_a_killed_holder_frees_the_lock_at_once(lock_url: str) -> None:
    holder = _start(HOLD, lock_url)
    try:
        with pytest.raises(WarehouseError, match=rf"busy: .*pid {holder.pid}"):
            RunLock(lock_url, poll=0.1, timeout=1).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    started = time.monotonic()
    with RunLock(lock_url, poll=0.1, timeout=10):  # would raise if the dead holder still held it
        pass
    assert time.monotonic() - started < 10


def test_a_waiting_run_says_for_whom_and_goes_on_when_the_lock_is_free(lock_url: str) -> None:
    with RunLock(lock_url):
        waiter = _start(WAIT, lock_url)
        assert waiter.stdout is not None
        message = waiter.stdout.readline()
        assert "waiting for the warehouse: held by fauxforce run" in message and f"pid {os.getpid()}" in message
        assert waiter.poll() is None
    out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0 and "got it" in out, err


def test_sigterm_ends_a_wait(lock_url: str) -> None:
    with RunLock(lock_url):
        waiter = _start(WAIT, lock_url)
        time.sleep(0.5)
        waiter.send_signal(signal.SIGTERM)
        waiter.wait(10)
    assert waiter.returncode == -signal.SIGTERM


def test_the_lock_file_sits_beside_the_duckdb_file(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'sub' / 'wh.duckdb'}"
    with RunLock(url) as lock:
        assert lock.lock_file() == tmp_path / "sub" / "wh.duckdb.lock"
        assert "fauxforce run, pid" in lock.lock_file().read_text()
    with RunLock("duckdb:///:memory:"):  # nothing to share: no file
        pass
