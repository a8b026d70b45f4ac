"""The demo command: a start brings the server and the worker up with 90 days of history,
and a failed start stops what it started and keeps nothing."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "civicdesk.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def demo_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, CIVICDESK_DATA_DIR=str(data_dir))
    env.pop("DATABASE_URL", None)  # the demo runs on the embedded SQLite default
    env.pop("TEST_DATABASE_NAME", None)
    return env


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_demo_with_its_defaults_serves_the_dashboard(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "demo.log"
    log = log_path.open("w+")
    started = time.monotonic()
    demo = subprocess.Popen(
        [*CLI, "demo", "--port", str(port)],
        env=demo_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 300
        output = ""
        while time.monotonic() < deadline and "Press Ctrl+C" not in output:
            assert demo.poll() is None, log_path.read_text()
            time.sleep(0.5)
            output = log_path.read_text()
        print(f"civicdesk demo (90 days) was ready after {time.monotonic() - started:.0f} s")
        assert f"http://127.0.0.1:{port}/" in output
        assert re.search(r"approver\s+civicdesk-demo", output)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            login = client.get("/login/")
            token = client.cookies["csrftoken"]
            response = client.post(
                "/login/",
                data={
                    "login": "manager",
                    "password": "civicdesk-demo",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": str(login.url)},
            )
            assert response.status_code == 302, response.text[:500]
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert "Road Conditions" in dashboard.text and "Followers" in dashboard.text
            inbox = client.get("/inbox/")
            assert inbox.status_code == 200 and "Transport Insights" in inbox.text
    finally:
        stop(demo)
        log.close()
    assert demo.returncode == 0, log_path.read_text()
    assert not listening(port)


def _prepare_failing_network(data_dir: Path) -> None:
    """A data folder whose exercise network fails every inbox read of one demo account."""
    env = demo_env(data_dir)
    subprocess.run([*CLI, "migrate", "--verbosity", "0"], env=env, check=True)
    script = (
        "from civicdesk.exnet.services import create_account\n"
        "from civicdesk.exnet.faults import inject_fault\n"
        "account, _ = create_account(handle='roadconditions')\n"
        "inject_fault(account, 'server_error', operation='inbox', count=None, probability=1.0)\n"
    )
    subprocess.run([*CLI, "shell", "--command", script], env=env, check=True)


def test_a_failed_start_stops_everything_and_keeps_nothing(tmp_path: Path) -> None:
    _prepare_failing_network(tmp_path)
    port = free_port()
    result = subprocess.run(
        [*CLI, "demo", "--port", str(port), "--days", "3"],
        env=demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The demo could not start: Reading the inbox of @roadconditions" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing the start began is left: no server on the port, no demo organization.
    assert not listening(port)
    with sqlite3.connect(tmp_path / "civicdesk.sqlite3") as db:
        assert db.execute("select count(*) from organizations_organization").fetchone() == (0,)
        assert db.execute("select count(*) from auth_user").fetchone() == (0,)
        posts = db.execute("select count(*) from exnet_netpost").fetchone()
        assert posts == (0,)
