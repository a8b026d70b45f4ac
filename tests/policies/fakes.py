"""Connectors that stand in for platforms in the moderation tests."""

from __future__ import annotations

from typing import ClassVar

from civicdesk.connectors.base import Capability, Connector, RejectedError


class HidingConnector(Connector):
    """A platform that hides comments, and remembers what it was asked."""

    platform: ClassVar[str] = "exnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.HIDE})
    calls: ClassVar[list[tuple[str, bool]]] = []

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        self.calls.append((remote_id, hidden))


class RefusingConnector(HidingConnector):
    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        raise RejectedError("rejected: comment not found", status=404)


class NoHideConnector(Connector):
    """A platform whose API has no way to hide a comment, and says so."""

    platform: ClassVar[str] = "exnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PUBLISH})
    limitations = {Capability.HIDE: "Fakebook does not let us hide comments"}
