"""The words of every finding, in the author's language (English, French, Spanish and Arabic;
English otherwise).

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
        "es": "Supera la extensión de una publicación de {platform} ({limit}): se publicará como "
        "un hilo de {parts} partes.",
        "ar": "النص أطول من منشور واحد على {platform} ({limit})، لذا سيُنشر في سلسلة عدد أجزائها "
        "{parts}.",
    },
    "platform.too_long": {
        "en": "{platform} accepts {limit} characters; this text counts {length}.",
        "fr": "{platform} accepte {limit} caractères ; ce texte en compte {length}.",
        "es": "{platform} admite {limit} caracteres; este texto tiene {length}.",
        "ar": "الحد الأقصى لعدد الأحرف في {platform} هو {limit}، وعدد أحرف هذا النص {length}.",
    },
    "platform.too_many_bytes": {
        "en": "{platform} accepts {limit} bytes of text; this text takes {length}.",
        "fr": "{platform} accepte {limit} octets de texte ; ce texte en occupe {length}.",
        "es": "{platform} admite {limit} bytes de texto; este texto ocupa {length}.",
        "ar": "الحد الأقصى لحجم النص في {platform} هو {limit} بايت، وحجم هذا النص {length} بايت.",
    },
    "platform.empty": {
        "en": "The text is empty.",
        "fr": "Le texte est vide.",
        "es": "El texto está vacío.",
        "ar": "النص فارغ.",
    },
    "platform.invalid_characters": {
        "en": "The text holds characters {platform} refuses (control or invalid characters).",
        "fr": "Le texte contient des caractères que {platform} refuse (caractères de contrôle "
        "ou invalides).",
        "es": "El texto contiene caracteres que {platform} rechaza (caracteres de control o no "
        "válidos).",
        "ar": "يحتوي النص على أحرف يرفضها {platform} (أحرف تحكم أو أحرف غير صالحة).",
    },
    "platform.too_many_hashtags": {
        "en": "{platform} accepts at most {limit} hashtags; this text has {count}.",
        "fr": "{platform} accepte au plus {limit} mots-clics ; ce texte en a {count}.",
        "es": "{platform} admite como máximo {limit} hashtags; este texto tiene {count}.",
        "ar": "الحد الأقصى لعدد الوسوم في {platform} هو {limit}، وعدد الوسوم في هذا النص {count}.",
    },
    "platform.too_many_mentions": {
        "en": "{platform} accepts at most {limit} mentions; this text has {count}.",
        "fr": "{platform} accepte au plus {limit} mentions ; ce texte en a {count}.",
        "es": "{platform} admite como máximo {limit} menciones; este texto tiene {count}.",
        "ar": "الحد الأقصى لعدد الإشارات في {platform} هو {limit}، وعدد الإشارات في هذا النص "
        "{count}.",
    },
    "platform.unknown": {
        "en": "Civic Desk does not know the rules of the platform {platform!r}.",
        "fr": "Civic Desk ne connaît pas les règles de la plateforme {platform!r}.",
        "es": "Civic Desk no conoce las reglas de la plataforma {platform!r}.",
        "ar": "لا يعرف Civic Desk قواعد المنصة {platform!r}.",
    },
    # Media
    "media.required": {
        "en": "{platform} needs at least one image or video.",
        "fr": "{platform} exige au moins une image ou une vidéo.",
        "es": "{platform} requiere al menos una imagen o un video.",
        "ar": "يتطلب {platform} صورة أو مقطع فيديو واحدًا على الأقل.",
    },
    "media.not_supported": {
        "en": "{platform} posts cannot carry attachments here.",
        "fr": "Les publications {platform} ne peuvent pas porter de pièces jointes ici.",
        "es": "Las publicaciones de {platform} no pueden llevar archivos adjuntos aquí.",
        "ar": "لا يمكن إرفاق ملفات بمنشورات {platform} هنا.",
    },
    "media.too_many": {
        "en": "{platform} accepts at most {limit} attachments; this post has {count}.",
        "fr": "{platform} accepte au plus {limit} pièces jointes ; cette publication en a {count}.",
        "es": "{platform} admite como máximo {limit} archivos adjuntos; esta publicación tiene "
        "{count}.",
        "ar": "الحد الأقصى لعدد المرفقات في {platform} هو {limit}، وعدد مرفقات هذا المنشور "
        "{count}.",
    },
    "media.too_many_videos": {
        "en": "{platform} accepts at most {limit} videos in one post.",
        "fr": "{platform} accepte au plus {limit} vidéos par publication.",
        "es": "{platform} admite como máximo {limit} videos por publicación.",
        "ar": "الحد الأقصى لعدد مقاطع الفيديو في المنشور الواحد على {platform} هو {limit}.",
    },
    "media.mixed": {
        "en": "{platform} does not accept images and videos in the same post.",
        "fr": "{platform} n'accepte pas d'images et de vidéos dans la même publication.",
        "es": "{platform} no admite imágenes y videos en la misma publicación.",
        "ar": "لا يقبل {platform} الجمع بين الصور ومقاطع الفيديو في المنشور نفسه.",
    },
    "media.type": {
        "en": "{platform} does not accept {content_type} files (attachment {number}).",
        "fr": "{platform} n'accepte pas les fichiers {content_type} (pièce jointe {number}).",
        "es": "{platform} no admite archivos {content_type} (archivo adjunto {number}).",
        "ar": "لا يقبل {platform} ملفات {content_type} (المرفق {number}).",
    },
    "media.too_large": {
        "en": "Attachment {number} weighs {size}; {platform} accepts at most {limit}.",
        "fr": "La pièce jointe {number} pèse {size} ; {platform} accepte au plus {limit}.",
        "es": "El archivo adjunto {number} pesa {size}; {platform} admite como máximo {limit}.",
        "ar": "حجم المرفق {number} هو {size}، والحد الأقصى الذي يقبله {platform} هو {limit}.",
    },
    "media.video_too_long": {
        "en": "Video {number} lasts {length}; {platform} takes videos of at most {limit}.",
        "fr": "La vidéo {number} dure {length} ; {platform} accepte des vidéos de {limit} au plus.",
        "es": "El vídeo {number} dura {length}; {platform} admite vídeos de {limit} como máximo.",
        "ar": "مدة الفيديو {number} هي {length}، و{platform} يقبل مقاطع فيديو لا تتجاوز {limit}.",
    },
    "media.video_codec": {
        "en": "Video {number} is encoded in {codec}; {platform} takes {accepted}.",
        "fr": "La vidéo {number} est encodée en {codec} ; {platform} accepte {accepted}.",
        "es": "El vídeo {number} está codificado en {codec}; {platform} admite {accepted}.",
        "ar": "الفيديو {number} مُرمَّز بصيغة {codec}، و{platform} يقبل {accepted}.",
    },
    "media.aspect_ratio": {
        "en": "Attachment {number} has a width/height ratio of {ratio}; {platform} accepts "
        "{low} to {high}.",
        "fr": "La pièce jointe {number} a un rapport largeur/hauteur de {ratio} ; {platform} "
        "accepte de {low} à {high}.",
        "es": "El archivo adjunto {number} tiene una relación ancho/alto de {ratio}; {platform} "
        "admite entre {low} y {high}.",
        "ar": "نسبة العرض إلى الارتفاع في المرفق {number} هي {ratio}، ويقبل {platform} نسبة بين "
        "{low} و{high}.",
    },
    "media.too_narrow": {
        "en": "Attachment {number} is {width} pixels wide; {platform} needs at least {limit}.",
        "fr": "La pièce jointe {number} fait {width} pixels de large ; {platform} en demande "
        "au moins {limit}.",
        "es": "El archivo adjunto {number} mide {width} píxeles de ancho; {platform} requiere al "
        "menos {limit}.",
        "ar": "عرض المرفق {number} هو {width} بكسل، ويتطلب {platform} عرضًا لا يقل عن {limit} بكسل.",
    },
    "media.alt_text_too_long": {
        "en": "The description of attachment {number} counts {length} characters; {platform} "
        "accepts {limit}.",
        "fr": "La description de la pièce jointe {number} compte {length} caractères ; "
        "{platform} en accepte {limit}.",
        "es": "La descripción del archivo adjunto {number} tiene {length} caracteres; {platform} "
        "admite {limit}.",
        "ar": "عدد أحرف وصف المرفق {number} هو {length}، والحد الأقصى في {platform} هو {limit}.",
    },
    # Accessibility
    "accessibility.alt_text_missing": {
        "en": "Attachment {number} has no text description (alt text) for people who cannot "
        "see it.",
        "fr": "La pièce jointe {number} n'a pas de description textuelle (texte alternatif) "
        "pour les personnes qui ne la voient pas.",
        "es": "El archivo adjunto {number} no tiene una descripción textual (texto alternativo) "
        "para las personas que no pueden verlo.",
        "ar": "لا يحتوي المرفق {number} على وصف نصي (نص بديل) للأشخاص الذين لا يستطيعون رؤيته.",
    },
    "accessibility.alt_text_filename": {
        "en": "The description of attachment {number} looks like a file name; describe what "
        "the image shows.",
        "fr": "La description de la pièce jointe {number} ressemble à un nom de fichier ; "
        "décrivez ce que montre l'image.",
        "es": "La descripción del archivo adjunto {number} parece un nombre de archivo; describa "
        "lo que muestra la imagen.",
        "ar": "يبدو وصف المرفق {number} كأنه اسم ملف؛ يُرجى وصف ما تعرضه الصورة.",
    },
    "accessibility.hashtag_case": {
        "en": "Write {hashtag} in CamelCase (a capital at the start of each word) so screen "
        "readers read the words.",
        "fr": "Écrivez {hashtag} en CamelCase (une majuscule au début de chaque mot) pour que "
        "les lecteurs d'écran lisent les mots.",
        "es": "Escriba {hashtag} en CamelCase (con mayúscula al inicio de cada palabra) para que "
        "los lectores de pantalla lean las palabras.",
        "ar": "يُرجى كتابة {hashtag} بأسلوب CamelCase (بحرف كبير في بداية كل كلمة) لكي تتمكن "
        "برامج قراءة الشاشة من قراءة كلماته.",
    },
    "accessibility.too_many_hashtags": {
        "en": "Use at most {limit} hashtags; this text has {count}.",
        "fr": "Utilisez au plus {limit} mots-clics ; ce texte en a {count}.",
        "es": "Use como máximo {limit} hashtags; este texto tiene {count}.",
        "ar": "يُرجى ألّا يتجاوز عدد الوسوم {limit}؛ وعدد الوسوم في هذا النص {count}.",
    },
    "accessibility.hashtag_not_at_end": {
        "en": "Put {hashtag} at the end of the post, not in the middle of a sentence.",
        "fr": "Placez {hashtag} à la fin de la publication, pas au milieu d'une phrase.",
        "es": "Coloque {hashtag} al final de la publicación, no en medio de una oración.",
        "ar": "يُرجى وضع {hashtag} في نهاية المنشور، لا في وسط جملة.",
    },
    "accessibility.long_sentence": {
        "en": "This sentence has {count} words; keep sentences to {limit} words or fewer.",
        "fr": "Cette phrase compte {count} mots ; limitez les phrases à {limit} mots.",
        "es": "Esta oración tiene {count} palabras; limite las oraciones a {limit} palabras o "
        "menos.",
        "ar": "عدد كلمات هذه الجملة {count}؛ يُرجى ألّا يتجاوز عدد كلمات الجملة {limit}.",
    },
    "accessibility.too_many_emoji": {
        "en": "Use at most {limit} emoji; screen readers read each one aloud. This text has "
        "{count}.",
        "fr": "Utilisez au plus {limit} émojis ; les lecteurs d'écran les lisent tous à voix "
        "haute. Ce texte en a {count}.",
        "es": "Use como máximo {limit} emojis; los lectores de pantalla leen cada uno en voz "
        "alta. Este texto tiene {count}.",
        "ar": "يُرجى ألّا يتجاوز عدد الرموز التعبيرية {limit}؛ فبرامج قراءة الشاشة تنطق كل رمز "
        "منها بصوت عالٍ. وعددها في هذا النص {count}.",
    },
    "accessibility.emoji_only": {
        "en": "The message is carried by emoji alone; say it in words too.",
        "fr": "Le message n'est porté que par des émojis ; dites-le aussi avec des mots.",
        "es": "El mensaje se transmite solo con emojis; dígalo también con palabras.",
        "ar": "لا تحمل الرسالة سوى رموز تعبيرية؛ يُرجى التعبير عنها بالكلمات أيضًا.",
    },
    "accessibility.emoji_as_word": {
        "en": "The emoji {emoji} stands in for a word; write the word.",
        "fr": "L'émoji {emoji} remplace un mot ; écrivez le mot.",
        "es": "El emoji {emoji} sustituye a una palabra; escriba la palabra.",
        "ar": "يحلّ الرمز التعبيري {emoji} محل كلمة؛ يُرجى كتابة الكلمة.",
    },
    "accessibility.all_caps": {
        "en": "{word} is written in capitals; capitals are harder to read and read out letter "
        "by letter by some screen readers.",
        "fr": "{word} est écrit en majuscules ; les majuscules sont plus difficiles à lire et "
        "certains lecteurs d'écran les épellent.",
        "es": "{word} está escrito en mayúsculas; las mayúsculas son más difíciles de leer y "
        "algunos lectores de pantalla las leen letra por letra.",
        "ar": "الكلمة {word} مكتوبة بالأحرف الكبيرة؛ والأحرف الكبيرة أصعب في القراءة، وتنطقها بعض "
        "برامج قراءة الشاشة حرفًا حرفًا.",
    },
    "accessibility.readability": {
        "en": "The text scores {score} on the {formula} readability scale; aim for "
        "{threshold} or more with shorter sentences and simpler words.",
        "fr": "Le texte obtient {score} sur l'échelle de lisibilité {formula} ; visez "
        "{threshold} ou plus avec des phrases plus courtes et des mots plus simples.",
        "es": "El texto obtiene {score} en la escala de legibilidad {formula}; intente alcanzar "
        "{threshold} o más con oraciones más cortas y palabras más sencillas.",
        "ar": "حصل النص على {score} في مقياس {formula} لسهولة القراءة؛ يُرجى السعي إلى "
        "{threshold} أو أكثر باستخدام جمل أقصر وكلمات أبسط.",
    },
    # Languages
    "languages.missing": {
        "en": "There is no text in {missing_name}; every official language must be published. "
        "Write the {missing_name} text.",
        "fr": "Il n'y a pas de texte en {missing_name} ; chaque langue officielle doit être "
        "publiée. Écrivez le texte en {missing_name}.",
        "es": "No hay texto en {missing_name}; deben publicarse todos los idiomas oficiales. "
        "Redacte el texto en {missing_name}.",
        "ar": "لا يوجد نص باللغة {missing_name}؛ ويجب النشر بجميع اللغات الرسمية. يُرجى كتابة "
        "النص باللغة {missing_name}.",
    },
    "languages.missing_account": {
        "en": "None of the chosen accounts publishes in {missing_name}; every official language "
        "must be published. Add an account that publishes in {missing_name}: {accounts}.",
        "fr": "Aucun des comptes choisis ne publie en {missing_name} ; chaque langue officielle "
        "doit être publiée. Ajoutez un compte qui publie en {missing_name} : {accounts}.",
        "es": "Ninguna de las cuentas elegidas publica en {missing_name}; deben publicarse todos "
        "los idiomas oficiales. Añada una cuenta que publique en {missing_name}: {accounts}.",
        "ar": "لا ينشر أي من الحسابات المختارة باللغة {missing_name}؛ ويجب النشر بجميع اللغات "
        "الرسمية. يُرجى إضافة حساب ينشر باللغة {missing_name}: {accounts}.",
    },
    "languages.missing_no_account": {
        "en": "None of the chosen accounts publishes in {missing_name}; every official language "
        "must be published. Add an account that publishes in {missing_name}.",
        "fr": "Aucun des comptes choisis ne publie en {missing_name} ; chaque langue officielle "
        "doit être publiée. Ajoutez un compte qui publie en {missing_name}.",
        "es": "Ninguna de las cuentas elegidas publica en {missing_name}; deben publicarse todos "
        "los idiomas oficiales. Añada una cuenta que publique en {missing_name}.",
        "ar": "لا ينشر أي من الحسابات المختارة باللغة {missing_name}؛ ويجب النشر بجميع اللغات "
        "الرسمية. يُرجى إضافة حساب ينشر باللغة {missing_name}.",
    },
    "languages.missing_on_channel": {
        "en": "{platform} publishes in {missing_name}, but its {missing_name} version is missing.",
        "fr": "{platform} publie en {missing_name}, mais sa version en {missing_name} manque.",
        "es": "{platform} publica en {missing_name}, pero falta su versión en {missing_name}.",
        "ar": "ينشر {platform} باللغة {missing_name}، لكن النسخة باللغة {missing_name} مفقودة.",
    },
    "languages.channel_empty": {
        "en": "Nothing will go out on {platform}: it publishes only in {languages_names}, and the "
        "post has no text in that language.",
        "fr": "Rien ne partira sur {platform} : ce compte ne publie qu'en {languages_names} et la "
        "publication n'a pas de texte dans cette langue.",
        "es": "No se publicará nada en {platform}: esta cuenta solo publica en {languages_names} "
        "y la publicación no tiene texto en ese idioma.",
        "ar": "لن يُنشر شيء على {platform}: فهذا الحساب لا ينشر إلا باللغة {languages_names}، "
        "وليس في المنشور نص بهذه اللغة.",
    },
    "languages.not_paired": {
        "en": "The language versions for {platform} are not scheduled for the same time; they "
        "must go out together.",
        "fr": "Les versions linguistiques pour {platform} ne sont pas programmées à la même "
        "heure ; elles doivent partir ensemble.",
        "es": "Las versiones lingüísticas para {platform} no están programadas a la misma hora; "
        "deben publicarse juntas.",
        "ar": "النسخ اللغوية على {platform} ليست مجدولة في الموعد نفسه؛ ويجب أن تُنشر معًا.",
    },
    "languages.duplicate": {
        "en": "There are two {language_name} versions for {platform}.",
        "fr": "Il y a deux versions en {language_name} pour {platform}.",
        "es": "Hay dos versiones en {language_name} para {platform}.",
        "ar": "توجد نسختان باللغة {language_name} على {platform}.",
    },
    "languages.empty_variant": {
        "en": "The {language_name} version for {platform} is empty while other versions are not.",
        "fr": "La version en {language_name} pour {platform} est vide alors que les autres ne le "
        "sont pas.",
        "es": "La versión en {language_name} para {platform} está vacía, mientras que las demás "
        "no lo están.",
        "ar": "النسخة باللغة {language_name} على {platform} فارغة، بينما النسخ الأخرى ليست فارغة.",
    },
    # Links
    "links.domain_not_allowed": {
        "en": "Links to {domain} are not on the organization's list of allowed sites.",
        "fr": "Les liens vers {domain} ne figurent pas sur la liste des sites autorisés de "
        "l'organisation.",
        "es": "Los enlaces a {domain} no figuran en la lista de sitios permitidos de la "
        "organización.",
        "ar": "الروابط إلى {domain} ليست ضمن قائمة المواقع المسموح بها في المؤسسة.",
    },
    "links.missing_tracking": {
        "en": "The link to {domain} lacks the tracking parameter(s) {parameters}.",
        "fr": "Le lien vers {domain} n'a pas le ou les paramètres de suivi {parameters}.",
        "es": "Al enlace a {domain} le falta el parámetro o los parámetros de seguimiento "
        "{parameters}.",
        "ar": "لا يتضمن الرابط إلى {domain} معامِل التتبع أو معامِلات التتبع {parameters}.",
    },
    "links.insecure": {
        "en": "The link to {domain} uses http; use https.",
        "fr": "Le lien vers {domain} utilise http ; utilisez https.",
        "es": "El enlace a {domain} usa http; use https.",
        "ar": "يستخدم الرابط إلى {domain} بروتوكول http؛ يُرجى استخدام https.",
    },
    "links.shortener": {
        "en": "{domain} hides where the link goes; link to the page itself.",
        "fr": "{domain} cache la destination du lien ; pointez directement vers la page.",
        "es": "{domain} oculta el destino del enlace; enlace directamente a la página.",
        "ar": "يُخفي {domain} وجهة الرابط؛ يُرجى الربط بالصفحة نفسها مباشرةً.",
    },
    # Words
    "words.needs_approval": {
        "en": "“{term}” ({topic}) needs the approval of {approver}.",
        "fr": "« {term} » ({topic}) doit être approuvé par {approver}.",
        "es": "“{term}” ({topic}) requiere la aprobación de {approver}.",
        "ar": "يتطلب استخدام «{term}» ({topic}) اعتماد {approver}.",
    },
    "words.forbidden": {
        "en": "“{term}” must not be used: {reason}",
        "fr": "« {term} » ne doit pas être utilisé : {reason}",
        "es": "No debe usarse “{term}”: {reason}",
        "ar": "لا يجوز استخدام «{term}»: {reason}",
    },
}


# Language names as a reader of each interface language says them, in running text
# (French and Spanish write them in lower case: "en anglais", "en inglés"; Arabic names take
# the article: "باللغة الإنجليزية").
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "fr": "anglais", "es": "inglés", "ar": "الإنجليزية"},
    "fr": {"en": "French", "fr": "français", "es": "francés", "ar": "الفرنسية"},
    "es": {"en": "Spanish", "fr": "espagnol", "es": "español", "ar": "الإسبانية"},
    "de": {"en": "German", "fr": "allemand", "es": "alemán", "ar": "الألمانية"},
    "it": {"en": "Italian", "fr": "italien", "es": "italiano", "ar": "الإيطالية"},
    "pt": {"en": "Portuguese", "fr": "portugais", "es": "portugués", "ar": "البرتغالية"},
    "nl": {"en": "Dutch", "fr": "néerlandais", "es": "neerlandés", "ar": "الهولندية"},
    "ar": {"en": "Arabic", "fr": "arabe", "es": "árabe", "ar": "العربية"},
    "zh": {"en": "Chinese", "fr": "chinois", "es": "chino", "ar": "الصينية"},
    "iu": {"en": "Inuktitut", "fr": "inuktitut", "es": "inuktitut", "ar": "الإينكتيتوتية"},
    "cr": {"en": "Cree", "fr": "cri", "es": "cree", "ar": "الكرية"},
    "mi": {"en": "Māori", "fr": "maori", "es": "maorí", "ar": "الماورية"},
    "cy": {"en": "Welsh", "fr": "gallois", "es": "galés", "ar": "الويلزية"},
    "ga": {"en": "Irish", "fr": "irlandais", "es": "irlandés", "ar": "الأيرلندية"},
    "ca": {"en": "Catalan", "fr": "catalan", "es": "catalán", "ar": "الكتالانية"},
    "eu": {"en": "Basque", "fr": "basque", "es": "euskera", "ar": "الباسكية"},
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
    """ "English and French" / "anglais et français" / "inglés y francés" /
    "الإنجليزية والفرنسية"."""
    names = [language_name(code, reader) for code in codes]
    if len(names) < 2:
        return "".join(names)
    reader_language = base_language(reader)
    if reader_language == "ar":
        # Arabic puts "و" ("and") before every name after the first, joined to it, no commas.
        return " و".join(names)
    if reader_language == "es":
        # Spanish "y" becomes "e" before an "i" sound: "francés e inglés".
        word = " e " if _starts_with_i_sound(names[-1]) else " y "
    elif reader_language == "fr":
        word = " et "
    else:
        word = " and "
    return ", ".join(names[:-1]) + word + names[-1]


def _starts_with_i_sound(word: str) -> bool:
    """Whether a Spanish word starts with the vowel "i" ("inglés", "hindi"; not "hielo")."""
    lowered = word.lower()
    return lowered.startswith(("i", "í", "hi", "hí")) and not lowered.startswith(
        ("hia", "hie", "hio", "hiu")
    )


def base_language(language: str | None) -> str:
    """ "fr-CA" -> "fr"; empty or None -> the fallback language."""
    if not language:
        return FALLBACK
    return language.replace("_", "-").split("-", 1)[0].strip().lower() or FALLBACK


def message(code: str, language: str | None, values: Mapping[str, object] | None = None) -> str:
    """The message for ``code`` in ``language``: any language of the catalogue, by its base
    ("es-MX" -> "es"), else English."""
    entry = CATALOGUE[code]
    template = entry.get(base_language(language)) or entry[FALLBACK]
    try:
        return template.format(**(values or {}))
    except (KeyError, IndexError, ValueError):
        return template
