"""Reading the policy: the one in force (cached), its history, a diff, and where a document
goes wrong.

``policy_current`` is called on every keystroke of the composer's preview, by approval and by
the publisher. It costs one small query: the digest of the newest version. The parsed policy is
cached per process by that digest, so a new version is seen at once by every process, and a
cached entry can never describe other text.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from civicdesk.organizations.models import Organization
from civicdesk.policies.models import PolicyVersion
from civicdesk.rules import Policy, PolicyError, policy_from_yaml


@dataclass(frozen=True)
class PolicyInForce:
    policy: Policy
    number: int  # 0: no version saved, the shipped defaults apply
    version: PolicyVersion | None = None


@dataclass(frozen=True)
class DocumentProblem:
    """Why a policy document cannot be used: the field's path, its line when known."""

    path: str
    problem: str
    line: int | None = None

    @property
    def where(self) -> str:
        where = self.path or "document"
        return where if self.line is None else f"{where} (line {self.line})"

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "hunk" or "same"
    text: str


def digest_of(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def shipped_document() -> str:
    """The default policy's YAML text, comments included."""
    return resources.files("civicdesk.rules").joinpath("default_policy.yaml").read_text("utf-8")


@lru_cache(maxsize=1)
def _shipped_policy() -> Policy:
    return policy_from_yaml(shipped_document())


@lru_cache(maxsize=256)
def _parsed(organization_id: int, digest: str) -> Policy:
    document = (
        PolicyVersion.objects.filter(organization_id=organization_id, digest=digest)
        .values_list("document", flat=True)
        .first()
    )
    if document is None:  # removed between the two queries: read like no version
        return _shipped_policy()
    return policy_from_yaml(document)


def policy_current(organization: Organization | int) -> Policy:
    """The policy in force for the organization: its newest version, or the shipped defaults."""
    org_id = organization if isinstance(organization, int) else organization.pk
    digest = (
        PolicyVersion.objects.filter(organization_id=org_id)
        .order_by("-number")
        .values_list("digest", flat=True)
        .first()
    )
    cached = _shipped_policy() if digest is None else _parsed(org_id, digest)
    # A copy: the cached policy is shared by every request of the process.
    return copy.deepcopy(cached)


def policy_in_force(organization: Organization) -> PolicyInForce:
    """The policy in force with the version it comes from (for pages and citations)."""
    version = (
        PolicyVersion.objects.filter(organization=organization)
        .select_related("created_by")
        .defer("document")
        .order_by("-number")
        .first()
    )
    if version is None:
        return PolicyInForce(policy=copy.deepcopy(_shipped_policy()), number=0)
    policy = copy.deepcopy(_parsed(organization.pk, version.digest))
    return PolicyInForce(policy=policy, number=version.number, version=version)


def current_document(organization: Organization) -> str:
    """The YAML text of the policy in force, as its author wrote it."""
    document = (
        PolicyVersion.objects.filter(organization=organization)
        .order_by("-number")
        .values_list("document", flat=True)
        .first()
    )
    return shipped_document() if document is None else document


def policy_export(organization: Organization) -> str:
    """The policy in force as a YAML document that ``policy_import`` reads back."""
    return current_document(organization)


def policy_versions(organization: Organization) -> list[PolicyVersion]:
    """The history, newest first, without the documents themselves."""
    return list(
        PolicyVersion.objects.filter(organization=organization)
        .select_related("created_by")
        .defer("document")
        .order_by("-number")
    )


def version_document(organization: Organization, number: int) -> str | None:
    """Version ``number``'s text; 0 is the shipped default. None when there is no such version."""
    if number == 0:
        return shipped_document()
    return (
        PolicyVersion.objects.filter(organization=organization, number=number)
        .values_list("document", flat=True)
        .first()
    )


def policy_diff(before: str, after: str, *, before_name: str, after_name: str) -> list[DiffLine]:
    """A unified diff of two documents, line by line (the template escapes the text)."""
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        fromfile=before_name,
        tofile=after_name,
        lineterm="",
        n=3,
    )
    out: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("remove", line[1:]))
        else:
            out.append(DiffLine("same", line[1:]))
    return out


def document_problem(document: str) -> DocumentProblem | None:
    """None when ``document`` is a usable policy, else what is wrong and where."""
    try:
        policy_from_yaml(document)
    except PolicyError as error:
        return DocumentProblem(error.path, error.problem, _line_of(document, error.path))
    return None


def _line_of(document: str, path: str) -> int | None:
    """The line where the field ``path`` (e.g. "approvals[0].terms") is written, if found.

    Reads the node tree only (``compose``): nothing is constructed, aliases are not expanded.
    """
    if not path:
        return None
    try:
        node = yaml.compose(document, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    rest = path
    while rest and node is not None:
        if isinstance(node, yaml.MappingNode):
            rest = rest.removeprefix(".")
            for key, value in node.value:
                name = str(key.value)
                if rest == name or rest.startswith((f"{name}.", f"{name}[")):
                    node, rest = value, rest[len(name) :]
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode):
            match = re.match(r"\[(\d+)\]", rest)
            if match is None or int(match[1]) >= len(node.value):
                break
            node, rest = node.value[int(match[1])], rest[match.end() :]
        else:
            break
    return None if node is None else node.start_mark.line + 1
