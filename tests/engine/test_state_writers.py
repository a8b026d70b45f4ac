"""publishing/state.py is the only writer of publication state; the ledger is written once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import TRANSITIONS, InvalidTransition, move_many

ROOT = Path(__file__).resolve().parents[2] / "civicdesk"
STATE_WRITER = ROOT / "publishing" / "state.py"
LEDGER_WRITER = ROOT / "publishing" / "ledger.py"
WRITES = {"update", "create", "bulk_create", "get_or_create", "update_or_create", "bulk_update"}


def _sources() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if "migrations" not in path.parts]


def _publication_names(tree: ast.Module) -> set[str]:
    """The names a module uses for PublicationState (``S``, ``PublicationState``...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "civicdesk.publishing.models":
            for alias in node.names:
                if alias.name == "PublicationState":
                    names.add(alias.asname or alias.name)
    return names


def _mentions(node: ast.AST, words: tuple[str, ...]) -> bool:
    text = ast.unparse(node)
    return any(word in text for word in words)


def state_writes(path: Path) -> list[str]:
    """Calls in ``path`` that write ``state`` to a Publication: a write method whose receiver
    or value speaks of publications, or a Publication(...) made with a state."""
    tree = ast.parse(path.read_text(), filename=str(path))
    state_names = tuple(_publication_names(tree)) or ("PublicationState",)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        writes_state = any(k.arg == "state" for k in node.keywords) or (
            isinstance(func, ast.Attribute)
            and func.attr == "bulk_update"
            and _mentions(node, ("'state'", '"state"'))
        )
        if not writes_state:
            continue
        if isinstance(func, ast.Name) and func.id == "Publication":
            found.append(f"{path.name}:{node.lineno} Publication(state=...)")
        elif isinstance(func, ast.Attribute) and func.attr in WRITES:
            value = next((k.value for k in node.keywords if k.arg == "state"), node)
            if _mentions(func.value, ("Publication", "publication")) or any(
                _mentions(value, (f"{name}.",)) for name in state_names
            ):
                found.append(f"{path.name}:{node.lineno} .{func.attr}(state=...)")
    return found


def test_only_the_state_module_writes_publication_state() -> None:
    offenders = [hit for path in _sources() if path != STATE_WRITER for hit in state_writes(path)]
    assert offenders == []


def test_the_check_finds_a_write_outside(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from civicdesk.publishing.models import PublicationState as S\n"
        "post.publications.filter(state=S.FAILED).update(state=S.DRAFT)\n"
        "rows.update(state=S.MISSED)\n"
        "Publication(post=p, state='published')\n"
    )
    assert len(state_writes(sneaky)) == 3


def test_the_ledger_is_written_in_one_place() -> None:
    writers = [
        path.relative_to(ROOT).as_posix()
        for path in _sources()
        if "PublicationAttempt.objects.create" in path.read_text()
        or "PublicationAttempt(" in path.read_text().replace("class PublicationAttempt(", "")
    ]
    assert writers == [LEDGER_WRITER.relative_to(ROOT).as_posix()]


@pytest.mark.django_db
def test_a_bulk_move_the_table_forbids_is_refused() -> None:
    for source, targets in TRANSITIONS.items():
        for target in set(S.values) - targets - {source}:
            with pytest.raises(InvalidTransition):
                move_many(Publication.objects.none(), target, sources=[source])
    assert not TRANSITIONS[S.PUBLISHED] & {S.SCHEDULED, S.DRAFT}
    assert S.PUBLISHING not in TRANSITIONS[S.UNCONFIRMED]  # never a blind retry
