"""The words of every finding, in the author's language (English and French; English otherwise).

Messages are keyed by rule code and filled with named values, so a new language is one more
column here and no check has to change.
"""

from __future__ import annotations

from collections.abc import Mapping

FALLBACK = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    # Platform rules
    "platform.thread": {
        "en": "Longer than one {platform} post ({limit}): it will go out as a thread of {parts} "
        "parts.",
        "fr": "Plus long qu'une publication {platform} ({limit}) : il partira en fil de {parts} "
        "parties.",
    },
    "platform.too_long": {
        "en": "{platform} accepts {limit} characters; this text counts {length}.",
        "fr": "{platform} accepte {limit} caractères ; ce texte en compte {length}.",
    },
    "platform.too_many_bytes": {
        "en": "{platform} accepts {limit} bytes of text; this text takes {length}.",
        "fr": "{platform} accepte {limit} octets de texte ; ce texte en occupe {length}.",
    },
    "platform.empty": {
        "en": "The text is empty.",
        "fr": "Le texte est vide.",
    },
    "platform.invalid_characters": {
        "en": "The text holds characters {platform} refuses (control or invalid characters).",
        "fr": "Le texte contient des caractères que {platform} refuse (caractères de contrôle "
        "ou invalides).",
    },
    "platform.too_many_hashtags": {
        "en": "{platform} accepts at most {limit} hashtags; this text has {count}.",
        "fr": "{platform} accepte au plus {limit} mots-clics ; ce texte en a {count}.",
    },
    "platform.too_many_mentions": {
        "en": "{platform} accepts at most {limit} mentions; this text has {count}.",
        "fr": "{platform} accepte au plus {limit} mentions ; ce texte en a {count}.",
    },
    "platform.unknown": {
        "en": "Civic Desk does not know the rules of the platform {platform!r}.",
        "fr": "Civic Desk ne connaît pas les règles de la plateforme {platform!r}.",
    },
    # Media
    "media.required": {
        "en": "{platform} needs at least one image or video.",
        "fr": "{platform} exige au moins une image ou une vidéo.",
    },
    "media.not_supported": {
        "en": "{platform} posts cannot carry attachments here.",
        "fr": "Les publications {platform} ne peuvent pas porter de pièces jointes ici.",
    },
    "media.too_many": {
        "en": "{platform} accepts at most {limit} attachments; this post has {count}.",
        "fr": "{platform} accepte au plus {limit} pièces jointes ; cette publication en a {count}.",
    },
    "media.too_many_videos": {
        "en": "{platform} accepts at most {limit} videos in one post.",
        "fr": "{platform} accepte au plus {limit} vidéos par publication.",
    },
    "media.mixed": {
        "en": "{platform} does not accept images and videos in the same post.",
        "fr": "{platform} n'accepte pas d'images et de vidéos dans la même publication.",
    },
    "media.type": {
        "en": "{platform} does not accept {content_type} files (attachment {number}).",
        "fr": "{platform} n'accepte pas les fichiers {content_type} (pièce jointe {number}).",
    },
    "media.too_large": {
        "en": "Attachment {number} weighs {size}; {platform} accepts at most {limit}.",
        "fr": "La pièce jointe {number} pèse {size} ; {platform} accepte au plus {limit}.",
    },
    "media.aspect_ratio": {
        "en": "Attachment {number} has a width/height ratio of {ratio}; {platform} accepts "
        "{low} to {high}.",
        "fr": "La pièce jointe {number} a un rapport largeur/hauteur de {ratio} ; {platform} "
        "accepte de {low} à {high}.",
    },
    "media.too_narrow": {
        "en": "Attachment {number} is {width} pixels wide; {platform} needs at least {limit}.",
        "fr": "La pièce jointe {number} fait {width} pixels de large ; {platform} en demande "
        "au moins {limit}.",
    },
    "media.alt_text_too_long": {
        "en": "The description of attachment {number} counts {length} characters; {platform} "
        "accepts {limit}.",
        "fr": "La description de la pièce jointe {number} compte {length} caractères ; "
        "{platform} en accepte {limit}.",
    },
    # Accessibility
    "accessibility.alt_text_missing": {
        "en": "Attachment {number} has no text description (alt text) for people who cannot "
        "see it.",
        "fr": "La pièce jointe {number} n'a pas de description textuelle (texte alternatif) "
        "pour les personnes qui ne la voient pas.",
    },
    "accessibility.alt_text_filename": {
        "en": "The description of attachment {number} looks like a file name; describe what "
        "the image shows.",
        "fr": "La description de la pièce jointe {number} ressemble à un nom de fichier ; "
        "décrivez ce que montre l'image.",
    },
    "accessibility.hashtag_case": {
        "en": "Write {hashtag} in CamelCase (a capital at the start of each word) so screen "
        "readers read the words.",
        "fr": "Écrivez {hashtag} en CamelCase (une majuscule au début de chaque mot) pour que "
        "les lecteurs d'écran lisent les mots.",
    },
    "accessibility.too_many_hashtags": {
        "en": "Use at most {limit} hashtags; this text has {count}.",
        "fr": "Utilisez au plus {limit} mots-clics ; ce texte en a {count}.",
    },
    "accessibility.hashtag_not_at_end": {
        "en": "Put {hashtag} at the end of the post, not in the middle of a sentence.",
        "fr": "Placez {hashtag} à la fin de la publication, pas au milieu d'une phrase.",
    },
    "accessibility.long_sentence": {
        "en": "This sentence has {count} words; keep sentences to {limit} words or fewer.",
        "fr": "Cette phrase compte {count} mots ; limitez les phrases à {limit} mots.",
    },
    "accessibility.too_many_emoji": {
        "en": "Use at most {limit} emoji; screen readers read each one aloud. This text has "
        "{count}.",
        "fr": "Utilisez au plus {limit} émojis ; les lecteurs d'écran les lisent tous à voix "
        "haute. Ce texte en a {count}.",
    },
    "accessibility.emoji_only": {
        "en": "The message is carried by emoji alone; say it in words too.",
        "fr": "Le message n'est porté que par des émojis ; dites-le aussi avec des mots.",
    },
    "accessibility.emoji_as_word": {
        "en": "The emoji {emoji} stands in for a word; write the word.",
        "fr": "L'émoji {emoji} remplace un mot ; écrivez le mot.",
    },
    "accessibility.all_caps": {
        "en": "{word} is written in capitals; capitals are harder to read and read out letter "
        "by letter by some screen readers.",
        "fr": "{word} est écrit en majuscules ; les majuscules sont plus difficiles à lire et "
        "certains lecteurs d'écran les épellent.",
    },
    "accessibility.readability": {
        "en": "The text scores {score} on the {formula} readability scale; aim for "
        "{threshold} or more with shorter sentences and simpler words.",
        "fr": "Le texte obtient {score} sur l'échelle de lisibilité {formula} ; visez "
        "{threshold} ou plus avec des phrases plus courtes et des mots plus simples.",
    },
    # Languages
    "languages.missing": {
        "en": "There is no text in {missing_name}; every official language must be published. "
        "Write the {missing_name} text.",
        "fr": "Il n'y a pas de texte en {missing_name} ; chaque langue officielle doit être "
        "publiée. Écrivez le texte en {missing_name}.",
    },
    "languages.missing_account": {
        "en": "None of the chosen accounts publishes in {missing_name}; every official language "
        "must be published. Add an account that publishes in {missing_name}: {accounts}.",
        "fr": "Aucun des comptes choisis ne publie en {missing_name} ; chaque langue officielle "
        "doit être publiée. Ajoutez un compte qui publie en {missing_name} : {accounts}.",
    },
    "languages.missing_no_account": {
        "en": "None of the chosen accounts publishes in {missing_name}; every official language "
        "must be published. Add an account that publishes in {missing_name}.",
        "fr": "Aucun des comptes choisis ne publie en {missing_name} ; chaque langue officielle "
        "doit être publiée. Ajoutez un compte qui publie en {missing_name}.",
    },
    "languages.missing_on_channel": {
        "en": "{platform} publishes in {missing_name}, but its {missing_name} version is missing.",
        "fr": "{platform} publie en {missing_name}, mais sa version en {missing_name} manque.",
    },
    "languages.channel_empty": {
        "en": "Nothing will go out on {platform}: it publishes only in {languages_names}, and the "
        "post has no text in that language.",
        "fr": "Rien ne partira sur {platform} : ce compte ne publie qu'en {languages_names} et la "
        "publication n'a pas de texte dans cette langue.",
    },
    "languages.not_paired": {
        "en": "The language versions for {platform} are not scheduled for the same time; they "
        "must go out together.",
        "fr": "Les versions linguistiques pour {platform} ne sont pas programmées à la même "
        "heure ; elles doivent partir ensemble.",
    },
    "languages.duplicate": {
        "en": "There are two {language_name} versions for {platform}.",
        "fr": "Il y a deux versions en {language_name} pour {platform}.",
    },
    "languages.empty_variant": {
        "en": "The {language_name} version for {platform} is empty while other versions are not.",
        "fr": "La version en {language_name} pour {platform} est vide alors que les autres ne le "
        "sont pas.",
    },
    # Links
    "links.domain_not_allowed": {
        "en": "Links to {domain} are not on the organization's list of allowed sites.",
        "fr": "Les liens vers {domain} ne figurent pas sur la liste des sites autorisés de "
        "l'organisation.",
    },
    "links.missing_tracking": {
        "en": "The link to {domain} lacks the tracking parameter(s) {parameters}.",
        "fr": "Le lien vers {domain} n'a pas le ou les paramètres de suivi {parameters}.",
    },
    "links.insecure": {
        "en": "The link to {domain} uses http; use https.",
        "fr": "Le lien vers {domain} utilise http ; utilisez https.",
    },
    "links.shortener": {
        "en": "{domain} hides where the link goes; link to the page itself.",
        "fr": "{domain} cache la destination du lien ; pointez directement vers la page.",
    },
    # Words
    "words.needs_approval": {
        "en": "“{term}” ({topic}) needs the approval of {approver}.",
        "fr": "« {term} » ({topic}) doit être approuvé par {approver}.",
    },
    "words.forbidden": {
        "en": "“{term}” must not be used: {reason}",
        "fr": "« {term} » ne doit pas être utilisé : {reason}",
    },
}


# Language names as a reader of each interface language says them, in running text
# (French writes them in lower case: "en anglais").
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "fr": "anglais"},
    "fr": {"en": "French", "fr": "français"},
    "es": {"en": "Spanish", "fr": "espagnol"},
    "de": {"en": "German", "fr": "allemand"},
    "it": {"en": "Italian", "fr": "italien"},
    "pt": {"en": "Portuguese", "fr": "portugais"},
    "nl": {"en": "Dutch", "fr": "néerlandais"},
    "ar": {"en": "Arabic", "fr": "arabe"},
    "zh": {"en": "Chinese", "fr": "chinois"},
    "iu": {"en": "Inuktitut", "fr": "inuktitut"},
    "cr": {"en": "Cree", "fr": "cri"},
    "mi": {"en": "Māori", "fr": "maori"},
    "cy": {"en": "Welsh", "fr": "gallois"},
    "ga": {"en": "Irish", "fr": "irlandais"},
    "ca": {"en": "Catalan", "fr": "catalan"},
    "eu": {"en": "Basque", "fr": "basque"},
}


def language_name(code: str, reader: str | None) -> str:
    """The name of the language ``code`` in the reader's language ("fr", "en" -> "French").

    A language without a known name keeps its code rather than a wrong name.
    """
    names = LANGUAGE_NAMES.get(base_language(code))
    if names is None:
        return code
    return names.get(base_language(reader)) or names[FALLBACK]


def language_list(codes: list[str] | tuple[str, ...], reader: str | None) -> str:
    """ "English and French" / "anglais et français"."""
    names = [language_name(code, reader) for code in codes]
    if len(names) < 2:
        return "".join(names)
    word = " et " if base_language(reader) == "fr" else " and "
    return ", ".join(names[:-1]) + word + names[-1]


def base_language(language: str | None) -> str:
    """ "fr-CA" -> "fr"; empty or None -> the fallback language."""
    if not language:
        return FALLBACK
    return language.replace("_", "-").split("-", 1)[0].strip().lower() or FALLBACK


def message(code: str, language: str | None, values: Mapping[str, object] | None = None) -> str:
    """The message for ``code`` in ``language`` (English when there is no translation)."""
    entry = CATALOGUE[code]
    template = entry.get(base_language(language)) or entry[FALLBACK]
    try:
        return template.format(**(values or {}))
    except (KeyError, IndexError, ValueError):
        return template
