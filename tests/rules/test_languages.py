"""Official languages over a post's accounts taken together, said with language names."""

from __future__ import annotations

from civicdesk.rules import ChannelDraft, VariantDraft, check_post, default_policy, language_name
from civicdesk.rules.messages import language_list

POLICY = default_policy()
EN_ONLY = ChannelDraft(
    key="1", platform="exnet", name="Exercise network transportinsights", languages=("en",)
)
FR_ONLY = ChannelDraft(
    key="2", platform="exnet", name="Exercise network transportinsights_fr", languages=("fr",)
)
BOTH = ChannelDraft(key="3", platform="exnet", name="Exercise network newsroom")
EN = VariantDraft("exnet", "en", "The bridge reopens on Monday.", channel="1")
FR = VariantDraft("exnet", "fr", "Le pont rouvre lundi.", channel="2")


def lang_findings(
    variants: list[VariantDraft],
    channels: list[ChannelDraft],
    *,
    others: list[ChannelDraft] | None = None,
    reader: str = "en",
) -> list:
    found = check_post(
        variants,
        POLICY,
        official_languages=["en", "fr"],
        message_language=reader,
        channels=channels,
        other_channels=others or [],
    )
    return [f for f in found if f.code.startswith("languages.")]


def test_one_language_accounts_together_are_complete() -> None:
    assert lang_findings([EN, FR], [EN_ONLY, FR_ONLY]) == []


def test_french_only_post_asks_for_an_english_account_by_name() -> None:
    found = lang_findings([FR], [FR_ONLY], others=[EN_ONLY])
    assert [(f.code, f.blocking, f.channel, f.data["missing"]) for f in found] == [
        ("languages.missing", True, None, "en")
    ]
    assert found[0].message == (
        "None of the chosen accounts publishes in English; every official language must be "
        "published. Add an account that publishes in English: "
        "Exercise network transportinsights."
    )


def test_the_same_finding_in_french_names_the_language_in_french() -> None:
    found = lang_findings([FR], [FR_ONLY], others=[EN_ONLY], reader="fr-CA")
    assert found[0].message.startswith("Aucun des comptes choisis ne publie en anglais ;")
    assert "Ajoutez un compte qui publie en anglais" in found[0].message
    # No code, and no English word, in the French sentence.
    assert " en ;" not in found[0].message and "English" not in found[0].message


def test_without_another_account_the_fix_is_still_said() -> None:
    found = lang_findings([FR], [FR_ONLY])
    assert found[0].message.endswith("Add an account that publishes in English.")


def test_an_account_that_publishes_english_asks_for_the_text() -> None:
    only_fr_text = VariantDraft("exnet", "fr", "Le pont rouvre lundi.", channel="3")
    found = lang_findings([only_fr_text], [BOTH])
    assert [f.message for f in found] == [
        "There is no text in English; every official language must be published. "
        "Write the English text."
    ]


def test_a_bilingual_account_gets_every_version_the_post_has() -> None:
    on_both = VariantDraft("exnet", "fr", "Le pont rouvre lundi.", channel="3")
    found = lang_findings([EN, FR, on_both], [EN_ONLY, FR_ONLY, BOTH])
    assert [(f.channel, f.data["missing"], f.blocking) for f in found] == [("3", "en", True)]
    assert found[0].message == (
        "Exercise network newsroom publishes in English, but its English version is missing."
    )


def test_an_account_with_nothing_in_its_language_is_warned() -> None:
    es_only = ChannelDraft(key="4", platform="exnet", name="Red", languages=("es",))
    found = lang_findings([EN, FR], [EN_ONLY, FR_ONLY, es_only])
    assert [(f.code, f.severity.value, f.channel) for f in found] == [
        ("languages.channel_empty", "warning", "4")
    ]
    assert "publishes only in Spanish" in found[0].message


def test_duplicate_and_empty_versions_name_the_language() -> None:
    variants = [
        EN,
        VariantDraft("exnet", "en", "Bridge open.", channel="1"),
        VariantDraft("exnet", "fr", " ", channel="2"),
        FR,
    ]
    found = lang_findings(variants, [EN_ONLY, FR_ONLY], reader="fr")
    said = [(f.code, f.message) for f in found]
    assert (
        "languages.duplicate",
        "Il y a deux versions en anglais pour Exercise network transportinsights.",
    ) in said
    assert (
        "languages.empty_variant",
        "La version en français pour Exercise network "
        "transportinsights_fr est vide alors que les autres ne le sont pas.",
    ) in said


def test_regional_codes_match_their_language() -> None:
    regional = ChannelDraft(key="5", platform="exnet", name="Québec", languages=("fr-CA",))
    fr_ca = VariantDraft("exnet", "fr-CA", "Le pont rouvre lundi.", channel="5")
    assert lang_findings([EN, fr_ca], [EN_ONLY, regional]) == []


def test_language_names() -> None:
    assert language_name("fr", "en") == "French"
    assert language_name("en-CA", "fr") == "anglais"
    assert language_list(["en", "fr"], "fr") == "anglais et français"
    assert language_list(["en", "fr", "es"], "en") == "English, French and Spanish"
