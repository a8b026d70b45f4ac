"""Policy documents: YAML round trip, validation errors that name the field, hostile input."""

from __future__ import annotations

import pytest

from civicdesk.rules import (
    ApprovalRule,
    ModerationClause,
    Policy,
    PolicyError,
    default_policy,
    moderation_clause,
    policy_from_yaml,
    policy_to_yaml,
)
from civicdesk.rules.policy import SCHEMA_VERSION

EXAMPLE = """
name: City of Example social media policy
version: 3
schema: 1
languages:
  official: [en, fr]
accessibility:
  max_emoji: 2
  acronyms: [NHS]
  readability:
    thresholds: {en: 60}
links:
  own_domains: [example.gov]
  tracking_parameters: [utm_source]
approvals:
  - id: legal
    topic: legal proceedings
    approver: legal counsel
    terms: [lawsuit, "litig*"]
forbidden:
  - id: promises
    terms: [guaranteed]
    reason: {en: we do not promise outcomes., fr: nous ne promettons pas de résultat.}
moderation:
  - id: abuse
    title: {en: Abuse, fr: Injures}
    text: {en: Abusive comments are hidden., fr: Les commentaires injurieux sont masqués.}
severities:
  accessibility.readability: "off"
  links.insecure: blocking
"""


def test_reads_a_policy() -> None:
    policy = policy_from_yaml(EXAMPLE)
    assert policy.version == 3
    assert policy.schema == SCHEMA_VERSION
    assert policy.languages.official == ["en", "fr"]
    assert policy.accessibility.max_emoji == 2
    assert policy.accessibility.max_hashtags == 2  # default kept
    assert policy.accessibility.readability.thresholds == {"en": 60.0}
    assert policy.approvals == [
        ApprovalRule(
            id="legal",
            topic="legal proceedings",
            approver="legal counsel",
            terms=["lawsuit", "litig*"],
        )
    ]
    assert policy.forbidden[0].reason_in("fr-CA") == "nous ne promettons pas de résultat."


def test_round_trip() -> None:
    policy = policy_from_yaml(EXAMPLE)
    assert policy_from_yaml(policy_to_yaml(policy)) == policy
    shipped = default_policy()
    assert policy_from_yaml(policy_to_yaml(shipped)) == shipped


def test_empty_document_is_the_default_policy() -> None:
    assert policy_from_yaml("") == Policy()


def test_default_policy_follows_public_sector_guidance() -> None:
    policy = default_policy()
    rules = policy.accessibility
    assert rules.require_alt_text and rules.hashtags_camel_case and rules.hashtags_at_end
    assert rules.max_hashtags == 2
    assert rules.max_sentence_words == 25
    assert rules.max_emoji == 3
    assert rules.no_all_caps
    assert {c.id for c in policy.moderation} >= {"abuse", "hate", "personal-data", "spam"}
    assert policy.version >= 1 and policy.schema == SCHEMA_VERSION


def test_moderation_clause_lookup() -> None:
    policy = default_policy()
    clause = moderation_clause(policy, "abuse")
    assert isinstance(clause, ModerationClause)
    assert clause.title_in("fr") == "Injures et harcèlement"
    assert clause.title_in("de") == "Abuse and harassment"  # English when untranslated
    assert clause.text_in("en-GB").startswith("Comments that insult")
    assert "hide" in clause.actions
    assert policy.clause("abuse") is clause
    assert moderation_clause(policy, "nope") is None


@pytest.mark.parametrize(
    ("document", "path", "fragment"),
    [
        ("version: two", "version", "expected an integer"),
        ("version: true", "version", "expected an integer"),
        ("version: 0", "version", "1 or more"),
        ("schema: 99", "schema", "schema 99"),
        ("accessibility: {max_hashtags: [1]}", "accessibility.max_hashtags", "integer"),
        ("accessibility: {max_emoji: -1}", "accessibility.max_emoji", "negative"),
        ("accessibility: {no_all_caps: 'yes'}", "accessibility.no_all_caps", "true or false"),
        ("accessibility: {acronyms: NHS}", "accessibility.acronyms", "expected a list"),
        ("accessibility: {acronyms: [1]}", "accessibility.acronyms[0]", "expected a text"),
        (
            "accessibility: {readability: {thresholds: {en: high}}}",
            "accessibility.readability.thresholds.en",
            "number",
        ),
        ("links: [a]", "links", "expected a mapping"),
        ("links: {own_domain: [a]}", "links", "unknown field 'own_domain'"),
        ("approvals: [{id: a, topic: t, terms: [x]}]", "approvals[0].approver", "required"),
        (
            "approvals: [{id: a, topic: t, approver: b, terms: []}]",
            "approvals[0].terms",
            "at least one",
        ),
        ("forbidden: [{id: a, terms: [x]}, {id: a, terms: [y]}]", "forbidden[1].id", "twice"),
        ("moderation: [{id: x, title: {en: 1}, text: {}}]", "moderation[0].title.en", "text"),
        ("severities: {links.insecure: fatal}", "severities.links.insecure", "blocking"),
        ("colour: blue", "", "unknown field 'colour'"),
    ],
)
def test_errors_name_the_field(document: str, path: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(document)
    assert caught.value.path == path
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "document",
    [
        "name: [unclosed",
        "- just\n- a list",
        "'a text'",
        "name: !!python/object/apply:os.system ['echo pwned']",
        "!!python/object/new:type [x, [], {}]",
        "name: &a [*a]",
        "\tname: tab",
    ],
)
def test_malformed_or_hostile_yaml_is_refused(document: str) -> None:
    with pytest.raises(PolicyError):
        policy_from_yaml(document)


def test_yaml_error_says_where() -> None:
    with pytest.raises(PolicyError, match=r"line 3, column 1"):
        policy_from_yaml("name: x\nversion: [1\n")


def test_alias_bomb_is_bounded() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    document = "\n".join(lines) + "\naccessibility: {acronyms: *a8}\n"
    with pytest.raises(PolicyError):
        policy_from_yaml(document)


def test_not_text() -> None:
    with pytest.raises(PolicyError):
        policy_from_yaml(b"name: x")  # type: ignore[arg-type]
