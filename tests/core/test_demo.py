"""The demo command brings the server and the worker up and serves the dashboard."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_serves_the_dashboard(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, CIVICDESK_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)  # the demo runs on the embedded SQLite default
    env.pop("TEST_DATABASE_NAME", None)
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [sys.executable, "-m", "civicdesk.cli", "demo", "--port", str(port), "--days", "10"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        output = ""
        while time.monotonic() < deadline and "Press Ctrl+C" not in output:
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)
            output = (tmp_path / "demo.log").read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert re.search(r"approver\s+civicdesk-demo", output)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            login = client.get("/login/")
            token = client.cookies["csrftoken"]
            response = client.post("/login/", data={
                "username": "manager", "password": "civicdesk-demo",
                "csrfmiddlewaretoken": token}, headers={"Referer": str(login.url)})
            assert response.status_code == 302, response.text[:500]
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert "Road Conditions" in dashboard.text and "Followers" in dashboard.text
            inbox = client.get("/inbox/")
            assert inbox.status_code == 200 and "Transport Insights" in inbox.text
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
        log.close()
