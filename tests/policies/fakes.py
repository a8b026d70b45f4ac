"""Connectors that stand in for platforms in the moderation tests."""

from __future__ import annotations

from typing import ClassVar

from civicdesk.connectors.base import (
    Capability,
    Connector,
    OutcomeUnknownError,
    RejectedError,
    RemoteAuthor,
)


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


class SilentConnector(Connector):
    """A platform that can moderate nothing and has no sentence to say why."""

    platform: ClassVar[str] = "exnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PUBLISH})


class NoRemovalConnector(NoHideConnector):
    """A platform that can neither delete others' comments nor block, in its own words."""

    limitations = {
        Capability.DELETE_COMMENT: "Fakebook does not let an account delete others' posts",
        Capability.BLOCK: "Fakebook has no block in its API",
    }


class RemovingConnector(Connector):
    """A platform that deletes comments and blocks authors, and remembers what it was asked."""

    platform: ClassVar[str] = "exnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.HIDE, Capability.DELETE_COMMENT, Capability.BLOCK}
    )
    calls: ClassVar[list[tuple[str, str]]] = []

    def delete_comment(self, remote_id: str) -> None:
        self.calls.append(("delete", remote_id))

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        self.calls.append(("block", author.remote_id))


class TimingOutRemover(RemovingConnector):
    def delete_comment(self, remote_id: str) -> None:
        raise OutcomeUnknownError("timed out: ReadTimeout")

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        raise RejectedError("rejected: account suspended", status=403)
