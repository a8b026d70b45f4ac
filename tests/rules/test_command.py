"""The ``civicdesk measure`` command."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command


def run(monkeypatch: pytest.MonkeyPatch, text: str, *args: str) -> dict:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    call_command("measure", *args, stdout=out)
    return json.loads(out.getvalue())


def test_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    data = run(monkeypatch, "hello https://example.org @gov #Tag\n", "--platform", "x")
    assert data["length"] == len("hello ") + 23 + len(" @gov #Tag")
    assert data["limit"] == 280 and data["valid"] is True
    assert [u["text"] for u in data["urls"]] == ["https://example.org"]
    assert [m["text"] for m in data["mentions"]] == ["@gov"]
    assert [h["text"] for h in data["hashtags"]] == ["#Tag"]


def test_split_with_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    data = run(
        monkeypatch,
        "word " * 100,
        "--platform",
        "bluesky",
        "--split",
        "--numbering",
        "--limit",
        "100",
    )
    assert data["limit"] == 100 and data["valid"] is False
    assert len(data["parts"]) > 1
    assert all(p["valid"] and p["length"] <= 100 for p in data["parts"])
    assert data["parts"][0]["text"].endswith(f" 1/{len(data['parts'])}")


def test_bluesky_facets(monkeypatch: pytest.MonkeyPatch) -> None:
    data = run(monkeypatch, "é #Tag", "--platform", "bluesky")
    assert data["facets"][0]["index"] == {"byteStart": 3, "byteEnd": 7}


def test_unknown_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hi"))
    with pytest.raises(CommandError, match="Unknown platform 'friendster'"):
        call_command("measure", "--platform", "friendster")


def test_entry_point() -> None:
    command = [sys.executable, "-m", "civicdesk.cli", "measure", "--platform", "x"]
    done = subprocess.run(command, input="hello\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["length"] == 5
    failed = subprocess.run(
        [*command[:-1], "nope"], input="hello", capture_output=True, text=True, timeout=60
    )
    assert failed.returncode != 0
    assert "Unknown platform 'nope'" in failed.stderr
