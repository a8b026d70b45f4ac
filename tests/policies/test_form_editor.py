"""The policy's form editor: what a browser would submit, read back from the page itself."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from civicdesk.organizations.models import AuditEvent
from civicdesk.policies.models import PolicyVersion
from civicdesk.policies.selectors import policy_current, shipped_document
from civicdesk.policies.services import policy_save
from civicdesk.rules import policy_from_yaml
from tests.factories import World
from tests.policies.conftest import with_forbidden

pytestmark = pytest.mark.django_db

# A policy that uses every field the form shows, and some it does not.
RICH = """
name: Rich policy
version: 7
languages: {official: [en, fr], require_all_official: false, require_paired: true}
accessibility:
  require_alt_text: false
  hashtags_camel_case: false
  max_hashtags: 4
  hashtags_at_end: false
  max_sentence_words: 30
  max_emoji: 0
  emoji_must_not_carry_message: false
  no_all_caps: false
  acronym_max_length: 3
  acronyms: [NATO, "UN-HCR"]
  readability: {enabled: false, minimum_words: 20, thresholds: {en: 42.5, de: 30}}
links:
  {allowed_domains: [lyon.fr], own_domains: [lyon.fr], require_https: false}
approvals:
  - id: legal
    topic: legal proceedings
    approver: legal counsel
    terms: [lawsuit, "litig*", court case]
  - {id: money, topic: "", approver: Finance, terms: [budget]}
forbidden:
  - id: promises
    terms: [guaranteed, "100% safe"]
    reason:
      fr: "un organisme public ne promet pas."
      en: "public bodies do not promise."
      de: "keine Versprechen."
moderation:
  - id: abuse
    title: {en: Abuse}
    text: {en: Insults are hidden., fr: Les injures sont masquées.}
    actions: [block, hide]
  - {id: odd, title: {fr: Bizarre}, text: {}, actions: [hide, escalate]}
severities:
  accessibility.all_caps: "off"
  words.forbidden: warning
  links.insecure: blocking
  some.unknown_rule: advice
"""


class _FormReader(HTMLParser):
    """The fields of the page's first POST form, as a browser submits them untouched."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.template = 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._chosen = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template += 1
        if self.template:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_value, self._chosen = name, None, False
        elif tag == "option" and self._select is not None:
            # The selected option, or else the first one.
            if "selected" in a and not self._chosen:
                self._select_value, self._chosen = a.get("value", ""), True
            elif self._select_value is None:
                self._select_value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "template" and self.template:
            self.template -= 1
        elif tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the one newline that follows <textarea>.
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value or ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def form_data(body: str, action: str) -> dict[str, list[str]]:
    reader = _FormReader(action)
    reader.feed(body)
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def url(world: World) -> str:
    return f"/policy/{world.org.pk}/form/"


def load(client: Client, world: World) -> dict[str, list[str]]:
    response = client.get(url(world))
    assert response.status_code == 200
    data = form_data(response.content.decode(), url(world))
    assert "csrfmiddlewaretoken" in data and "name" in data
    return data


def test_the_policy_page_leads_admins_to_the_form(client: Client, world: World) -> None:
    client.force_login(world.admin)
    assert f'href="{url(world)}"' in client.get(f"/policy/{world.org.pk}/").content.decode()
    client.force_login(world.manager)
    assert f'href="{url(world)}"' not in client.get(f"/policy/{world.org.pk}/").content.decode()


@pytest.mark.parametrize("document", ["shipped", "rich"])
def test_saving_the_form_unchanged_keeps_every_field(
    client: Client, world: World, document: str
) -> None:
    if document == "rich":
        policy_save(organization=world.org, actor=world.admin, yaml_text=RICH, note="Rich")
    before = policy_current(world.org)
    client.force_login(world.admin)
    data = load(client, world)
    response = client.post(url(world), data)
    # Nothing changed, so nothing is saved; and the form read back is the same policy.
    assert response.status_code == 200
    assert "Nothing to save" in response.content.decode()
    assert PolicyVersion.objects.count() == (1 if document == "rich" else 0)

    # With only the note and a harmless change the form saves, and everything else survives.
    data["note"] = ["Check"]
    data["max_hashtags"] = [str(before.accessibility.max_hashtags + 1)]
    response = client.post(url(world), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    after = policy_current(world.org)
    assert after.accessibility.max_hashtags == before.accessibility.max_hashtags + 1
    after.accessibility.max_hashtags = before.accessibility.max_hashtags
    assert after == before


def test_the_rich_policy_survives_in_detail(client: Client, world: World) -> None:
    policy_save(organization=world.org, actor=world.admin, yaml_text=RICH)
    client.force_login(world.admin)
    data = load(client, world)
    data["name"] = ["Rich policy, again"]
    assert client.post(url(world), data).status_code == 302
    saved = PolicyVersion.objects.get(number=2)
    policy = policy_from_yaml(saved.document)
    assert policy.name == "Rich policy, again" and policy.version == 7
    assert policy.links.allowed_domains == ["lyon.fr"] and policy.links.require_https is False
    assert policy.accessibility.readability.thresholds == {"en": 42.5, "de": 30.0}
    assert policy.forbidden[0].reason["de"] == "keine Versprechen."
    assert policy.moderation[0].actions == ["block", "hide"]
    assert policy.moderation[1].actions == ["hide", "escalate"]
    assert policy.severities == {
        "accessibility.all_caps": "off",
        "words.forbidden": "warning",
        "links.insecure": "blocking",
        "some.unknown_rule": "advice",
    }


def test_adding_words_and_a_clause(client: Client, world: World) -> None:
    client.force_login(world.admin)
    data = load(client, world)
    data.update(
        {
            "approvals-0-topic": ["Budget"],
            "approvals-0-approver": ["Finance department"],
            "approvals-0-terms": ["budget\r\n  deficit \r\n\r\n"],
            "forbidden-0-terms": ["guaranteed"],
            "forbidden-0-reason_en": ["We do not promise."],
            "severity_words__forbidden": ["warning"],
            "severity_accessibility__long_sentence": ["off"],
            "official": ["en, fr"],
            "note": ["Budget words"],
        }
    )
    clauses = int(data["moderation-TOTAL_FORMS"][0]) - 1  # the blank one at the end
    data[f"moderation-{clauses}-title_en"] = ["Impersonation"]
    data[f"moderation-{clauses}-text_en"] = ["Accounts posing as us are blocked."]
    data[f"moderation-{clauses}-actions"] = ["block", "hide"]
    # The first clause is removed.
    data["moderation-0-DELETE"] = ["on"]
    response = client.post(url(world), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = policy_current(world.org)
    assert [(r.id, r.approver, r.terms) for r in policy.approvals] == [
        ("budget", "Finance department", ["budget", "deficit"])
    ]
    assert [(r.id, r.terms, r.reason) for r in policy.forbidden] == [
        ("guaranteed", ["guaranteed"], {"en": "We do not promise."})
    ]
    assert policy.languages.official == ["en", "fr"]
    assert policy.severities == {"words.forbidden": "warning", "accessibility.long_sentence": "off"}
    assert policy.moderation[0].id == "hate"  # "abuse" was removed
    new = policy.moderation[-1]
    assert (new.id, new.title, new.actions) == (
        "impersonation",
        {"en": "Impersonation"},
        ["hide", "block"],
    )
    version = PolicyVersion.objects.get()
    assert version.note == "Budget words" and version.created_by == world.admin
    # The form writes a YAML document the expert editor shows and checks like any other.
    assert policy_from_yaml(version.document) == policy


def test_an_approver_word_edited_in_the_form(client: Client, world: World) -> None:
    policy_save(organization=world.org, actor=world.admin, yaml_text=RICH)
    client.force_login(world.admin)
    data = load(client, world)
    assert data["approvals-0-terms"] == ["lawsuit\nlitig*\ncourt case"]
    data["approvals-0-terms"] = ["lawsuit\nlitig*\ntribunal"]
    data["approvals-1-DELETE"] = ["on"]
    assert client.post(url(world), data).status_code == 302
    approvals = policy_current(world.org).approvals
    assert [(r.id, r.terms) for r in approvals] == [("legal", ["lawsuit", "litig*", "tribunal"])]


def test_errors_are_shown_beside_their_fields_and_nothing_typed_is_lost(
    client: Client, world: World
) -> None:
    client.force_login(world.admin)
    data = load(client, world)
    data.update(
        {
            "max_hashtags": ["-1"],
            "official": ["en, <b>french</b>"],
            "approvals-0-topic": ["Court <script>"],
            "approvals-0-approver": [""],
            "approvals-0-terms": ["lawsuit"],
            "forbidden-0-terms": ["***"],
            "forbidden-0-reason_en": ["Kept as typed"],
            "moderation-0-id": ["hate"],  # the second clause's short name, twice
            "note": ["My careful note"],
        }
    )
    response = client.post(url(world), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved: correct the fields marked below." in body
    assert not PolicyVersion.objects.exists()

    def error_of(field_id: str) -> str:
        start = body.index(f'id="{field_id}"')
        end = body.index("</div>", start)
        return body[start:end]

    assert "Ensure this value is greater than or equal to 0." in error_of("id_max_hashtags")
    assert "is not a language code such as en or fr." in error_of("id_official")
    assert "&lt;b&gt;french&lt;/b&gt;" in body and "<b>french</b>" not in body
    assert "This field is required." in error_of("id_approvals-0-approver")
    assert "Write at least one word." in error_of("id_forbidden-0-terms")
    assert "hate is already the short name of another rule." in body
    # Everything typed is still there, escaped.
    again = form_data(body, url(world))
    assert again["approvals-0-topic"] == ["Court <script>"] and "Court <script>" not in body
    assert again["forbidden-0-reason_en"] == ["Kept as typed"]
    assert again["note"] == ["My careful note"] and again["max_hashtags"] == ["-1"]


def test_a_save_over_a_newer_version_is_refused_and_the_form_kept(
    client: Client, world: World
) -> None:
    client.force_login(world.admin)
    data = load(client, world)
    policy_save(organization=world.org, actor=world.admin, yaml_text=with_forbidden("surely"))
    data["forbidden-0-terms"] = ["certainly"]
    body = client.post(url(world), data).content.decode()
    assert "while you were editing version 0" in body and 'role="alert"' in body
    assert form_data(body, url(world))["forbidden-0-terms"] == ["certainly"]
    assert PolicyVersion.objects.count() == 1


def test_the_save_is_audited_like_a_yaml_save(client: Client, world: World) -> None:
    client.force_login(world.admin)
    data = load(client, world)
    data["forbidden-0-terms"] = ["guaranteed"]
    data["note"] = ["No promises"]
    client.post(url(world), data)
    version = PolicyVersion.objects.get()
    event = AuditEvent.objects.filter(organization=world.org, action="policy.save").get()
    assert event.actor == world.admin and event.object_id == str(version.pk)
    assert event.data["number"] == 1 and event.data["note"] == "No promises"
    assert event.data["editor"] == "form" and event.data["digest"] == version.digest


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_organizations_admins_reach_the_form(
    client: Client, world: World, method: str
) -> None:
    response = getattr(client, method)(url(world))
    assert response.status_code == 302 and response.url.startswith("/login/")
    client.force_login(world.admin)
    data = load(client, world)
    data["forbidden-0-terms"] = ["guaranteed"]
    client.force_login(world.outsider)
    assert getattr(client, method)(url(world), data).status_code == 404
    for member in (world.viewer, world.author, world.approver, world.manager, world.other_member):
        client.force_login(member)
        assert getattr(client, method)(url(world), data).status_code == 403, member
    assert not PolicyVersion.objects.exists()
    client.force_login(world.admin)
    assert getattr(client, method)(url(world), data).status_code == (
        302 if method == "post" else 200
    )


def test_the_form_speaks_the_readers_language(client: Client, world: World) -> None:
    client.force_login(world.admin)
    body = client.get(url(world), headers={"accept-language": "fr"}).content.decode()
    # Languages are named in the reader's language, whatever the catalogue translates.
    assert "anglais" in body and 'lang="fr"' in body


def test_the_shipped_document_loads_into_the_form(client: Client, world: World) -> None:
    client.force_login(world.admin)
    data = load(client, world)
    assert data["name"] == [policy_from_yaml(shipped_document()).name]
    assert data["acronyms"] == ["COVID, NATO, UNESCO, UNICEF, OECD, UNHCR, UNRWA, ASEAN, INTERPOL"]
    assert data["moderation-0-title_fr"] == ["Injures et harcèlement"]
    assert data["moderation-0-actions"] == ["hide", "delete", "block"]
    assert data["moderation-TOTAL_FORMS"] == ["8"] and data["moderation-INITIAL_FORMS"] == ["7"]
