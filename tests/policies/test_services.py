"""Versions of the policy: save, validation naming the field, restore, export and import,
hostile documents, who may change it, and the cache of the policy in force."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import AuditEvent
from civicdesk.policies.models import PolicyVersion
from civicdesk.policies.selectors import (
    policy_current,
    policy_export,
    policy_in_force,
    shipped_document,
)
from civicdesk.policies.services import (
    policy_import,
    policy_restore,
    policy_save,
)
from civicdesk.rules import default_policy
from tests.factories import World, make_world
from tests.policies.conftest import with_forbidden

pytestmark = pytest.mark.django_db


def _save(world: World, text: str, note: str = "") -> PolicyVersion:
    return policy_save(organization=world.org, actor=world.admin, yaml_text=text, note=note)


def test_without_versions_the_shipped_defaults_apply(world: World) -> None:
    assert policy_current(world.org) == default_policy()
    assert policy_in_force(world.org).number == 0
    assert policy_export(world.org) == shipped_document()


def test_each_save_is_a_new_numbered_version_and_the_newest_is_in_force(world: World) -> None:
    first = _save(world, with_forbidden("guaranteed"), note="No promises")
    second = _save(world, with_forbidden("certainly"))
    assert (first.number, second.number) == (1, 2)
    assert first.note == "No promises" and first.created_by == world.admin
    assert policy_current(world.org).forbidden[0].terms == ["certainly"]
    # Numbers are per organization.
    other = make_world(prefix="b-")
    assert (
        policy_save(organization=other.org, actor=other.admin, yaml_text=with_forbidden("x")).number
        == 1
    )
    events = AuditEvent.objects.filter(organization=world.org, action="policy.save")
    assert [e.data["number"] for e in events.order_by("sequence")] == [1, 2]
    assert verify_chain(world.org).ok


def test_the_document_is_kept_as_written_with_its_comments(world: World) -> None:
    text = "# Our edition\r\nname: City policy\r\nversion: 2\r\n"
    version = _save(world, text)
    assert version.document == "# Our edition\nname: City policy\nversion: 2\n"
    assert policy_export(world.org) == version.document
    assert policy_current(world.org).name == "City policy"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("accessibility:\n  max_hashtags: two\n", "accessibility.max_hashtags"),
        ("links:\n  own_domains: example.gov\n", "links.own_domains"),
        ("moderation:\n  - id: abuse\n    title: {en: Abuse}\n", "moderation[0].text"),
        ("severities:\n  words.forbidden: loud\n", "severities.words.forbidden"),
        ("accessibility:\n  colour: red\n", "accessibility"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(world: World, text: str, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _save(world, text)
    message = caught.value.messages[0]
    assert message.startswith(path), message
    assert caught.value.error_list[0].params["path"] == path
    assert not PolicyVersion.objects.exists()


def test_the_error_gives_the_line_of_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _save(world, "name: x\naccessibility:\n  max_emoji: 1\n  max_hashtags: two\n")
    assert caught.value.messages[0].startswith("accessibility.max_hashtags (line 4): ")


def test_a_save_identical_to_the_policy_in_force_is_refused_politely(world: World) -> None:
    with pytest.raises(ValidationError, match="already the policy in force"):
        _save(world, shipped_document())
    _save(world, with_forbidden("guaranteed"))
    with pytest.raises(ValidationError, match=r"already the policy in force \(version 1\)"):
        _save(world, with_forbidden("guaranteed").replace("\n", "\r\n") + "\n\n")
    assert PolicyVersion.objects.count() == 1


def test_a_save_over_a_newer_version_is_refused_not_lost(world: World) -> None:
    _save(world, with_forbidden("guaranteed"))
    with pytest.raises(ValidationError, match="saved version 1 while you were editing"):
        policy_save(
            organization=world.org, actor=world.admin, yaml_text="name: Mine\n", base_number=0
        )
    assert (
        policy_save(
            organization=world.org, actor=world.admin, yaml_text="name: Mine\n", base_number=1
        ).number
        == 2
    )


def test_restore_makes_a_new_version_equal_to_an_old_one(world: World) -> None:
    one = _save(world, with_forbidden("guaranteed"))
    _save(world, with_forbidden("certainly"))
    restored = policy_restore(organization=world.org, actor=world.admin, number=1)
    assert restored.number == 3 and restored.document == one.document
    assert restored.note == "Restored version 1"
    assert policy_current(world.org).forbidden[0].terms == ["guaranteed"]
    with pytest.raises(ValidationError, match="already the policy in force"):
        policy_restore(organization=world.org, actor=world.admin, number=1)
    with pytest.raises(ValidationError, match="no version 9"):
        policy_restore(organization=world.org, actor=world.admin, number=9)
    defaults = policy_restore(organization=world.org, actor=world.admin, number=0)
    assert defaults.document == shipped_document()
    assert AuditEvent.objects.filter(action="policy.restore").count() == 2


def test_export_then_import_round_trips(world: World) -> None:
    _save(world, with_forbidden("guaranteed") + "# kept comment\n")
    exported = policy_export(world.org)
    other = make_world(prefix="c-")
    upload = SimpleUploadedFile("policy.yaml", exported.encode(), "application/yaml")
    version = policy_import(organization=other.org, actor=other.admin, upload=upload)
    assert version.document == exported
    assert version.note == "Imported from policy.yaml"
    assert policy_current(other.org) == policy_current(world.org)
    event = AuditEvent.objects.get(organization=other.org, action="policy.import")
    assert event.data["file"] == "policy.yaml"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("policy.json", b'{"name": "x"}', "a .yaml or .yml file"),
        ("policy.exe", b"MZ\x90\x00", "a .yaml or .yml file"),
        ("policy.yaml", b"name: x\n" + b"#" * (256 * 1024), "larger than 256 kB"),
        ("policy.yml", b"\xff\xfe\x00n\x00a", "not UTF-8 text"),
        ("policy.yml", b"name: x\x00\n", "not a text file"),
        ("policy.yaml", b"- just\n- a list\n", "a policy is a mapping"),
    ],
)
def test_an_unusable_upload_is_refused_with_a_clear_message(
    world: World, name: str, content: bytes, problem: str
) -> None:
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError, match=problem):
        policy_import(organization=world.org, actor=world.admin, upload=upload)
    assert not PolicyVersion.objects.exists()


# Each hostile document, and the reason it is refused: a reason, not a wall-clock limit,
# shows the document was stopped by the right check rather than merely fast enough.
HOSTILE = [
    (
        "name: !!python/object/apply:os.system ['touch /tmp/civicdesk-pwned']\n",
        "could not determine a constructor",
    ),
    ("!!python/object:civicdesk.rules.Policy {name: x}\n", "could not determine a constructor"),
    ("name: !!python/name:os.system\n", "could not determine a constructor"),
    # A billion laughs: each level repeats the one before ten times.
    (
        "accessibility:\n  acronyms:\n    - &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"    - &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
        ),
        "expected a text",
    ),
    (
        "accessibility:\n  acronyms: &l ["
        + ", ".join(["A"] * 1000)
        + "]\n"
        + "links:\n  own_domains: ["
        + ", ".join(["*l"] * 300)
        + "]\n",
        "expected a text",
    ),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE)
def test_hostile_yaml_is_refused_and_runs_nothing(world: World, text: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        _save(world, text)
    assert not PolicyVersion.objects.exists()


def test_only_organization_admins_change_the_policy(world: World) -> None:
    for member in (world.manager, world.author, world.responder, world.viewer):
        with pytest.raises(PermissionDenied):
            policy_save(organization=world.org, actor=member, yaml_text="name: x\n")
        with pytest.raises(PermissionDenied):
            policy_restore(organization=world.org, actor=member, number=0)
    with pytest.raises(Http404):
        policy_save(organization=world.org, actor=world.outsider, yaml_text="name: x\n")
    with pytest.raises(Http404):
        policy_import(
            organization=world.org,
            actor=world.outsider,
            upload=SimpleUploadedFile("p.yaml", b"name: x\n"),
        )
    assert not PolicyVersion.objects.exists()


def test_the_policy_in_force_costs_one_query_and_is_a_private_copy(
    world: World, django_assert_num_queries: object
) -> None:
    _save(world, with_forbidden("guaranteed"))
    policy_current(world.org)  # parsed once per process
    with django_assert_num_queries(1):  # type: ignore[operator]
        policy = policy_current(world.org)
    policy.forbidden.clear()
    assert policy_current(world.org).forbidden
    # A new version is seen at once.
    _save(world, with_forbidden("certainly"))
    assert policy_current(world.org).forbidden[0].terms == ["certainly"]
