"""What the simulated public says: a bank of messages in English and French.

The default bank suits a transport ministry. Crisis scenarios build their own bank from it
(``default_bank().extended(...)``) so a wave of messages about a flood or a strike reads true.
Texts may contain ``{handle}`` (the account addressed) and ``{place}`` placeholders.
Some messages are hostile or carry personal data on purpose: the real public sends both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The situations a message is written for. The simulator picks one per action.
CATEGORIES = ("comment", "reply", "mention", "direct", "spam", "hostile")

FIRST_NAMES = {
    "en": [
        "Alex",
        "Jordan",
        "Sam",
        "Priya",
        "Liam",
        "Olivia",
        "Noah",
        "Emma",
        "Grace",
        "Omar",
        "Hannah",
        "Tom",
        "Aisha",
        "Ben",
        "Chloe",
        "Ravi",
        "Megan",
        "Daniel",
        "Sofia",
        "Kevin",
    ],
    "fr": [
        "Marie",
        "Luc",
        "Camille",
        "Julien",
        "Chloé",
        "Mathieu",
        "Élodie",
        "Antoine",
        "Léa",
        "François",
        "Amélie",
        "Nicolas",
        "Sophie",
        "Étienne",
        "Manon",
        "Hugo",
        "Inès",
        "Yves",
    ],
}
LAST_NAMES = {
    "en": [
        "Smith",
        "Patel",
        "Brown",
        "Wilson",
        "Taylor",
        "Nguyen",
        "Campbell",
        "Murphy",
        "Lee",
        "Clarke",
        "Walker",
        "Hughes",
        "Ahmed",
        "Reid",
        "Foster",
    ],
    "fr": [
        "Tremblay",
        "Gagnon",
        "Roy",
        "Côté",
        "Bouchard",
        "Gauthier",
        "Morin",
        "Lavoie",
        "Fortin",
        "Gagné",
        "Ouellet",
        "Pelletier",
        "Bélanger",
        "Lévesque",
        "Bergeron",
    ],
}
PLACES = [
    "Route 9",
    "the Harbour Bridge",
    "the A1",
    "Exit 14",
    "the ferry terminal",
    "Main Street",
    "the ring road",
    "Highway 20",
    "the north tunnel",
    "Pont Champlain",
]

_EN: dict[str, list[str]] = {
    "comment": [
        "Is {place} open this morning? Traffic hasn't moved in 20 minutes.",
        "Thanks for the update, very helpful.",
        "Why was there no warning about the closure on {place}?",
        "The detour signs near {place} point the wrong way.",
        "How long will the roadworks on {place} last?",
        "I heard the bridge is closing for good. Is that true?",
        "Are the ferries running on the holiday schedule?",
        "Great job clearing the snow so quickly last night!",
        "Potholes on {place} are destroying cars. When will they be fixed?",
        "Any news on the bus replacement service?",
        "Can you post the closure times in French too?",
        "My son needs to get to the hospital, is the bypass usable?",
        "Suggestion: put live camera links in these posts.",
        "This is the third closure this month. Unacceptable.",
        "Someone said trucks are banned on {place} from tomorrow?",
        "Ferry was 40 min late again today. Any explanation?",
        "Road is flooded near {place}, be careful everyone.",
        "Who do I contact about a damaged tyre from the potholes?",
    ],
    "reply": [
        "Same here, stuck for an hour.",
        "That's not what the sign says at {place}.",
        "@{handle} they already answered this yesterday.",
        "I drove through ten minutes ago, it's fine now.",
        "Source? I can't find that anywhere.",
        "Agree, the communication has been poor.",
        "My cousin works there and says it's only for a week.",
        "Thanks, that's useful to know.",
    ],
    "mention": [
        "@{handle} the traffic lights at {place} are out, somebody will get hurt.",
        "@{handle} when is the bridge reopening? Nobody seems to know.",
        "Heard the tunnel is closing for good, can @{handle} confirm or deny?",
        "@{handle} please fix the signage at {place}, tourists are lost.",
        "Big accident near {place}. @{handle} is anyone on site?",
        "@{handle} thank you to the crews working overnight!",
    ],
    "direct": [
        "Hello, my car was towed from {place} during the works. Who do I call?",
        "Hi, I'm stuck at the ferry terminal with two kids, is there a later crossing?",
        "Can I get a refund for my ferry ticket? Call me on 555-013-4477.",
        "I want to report a dangerous pothole at {place}, near the school.",
        "Do you have a contact for wheelchair assistance on the ferry?",
        "I'm a journalist, can someone comment on the bridge inspection report?",
        "My email is jordan.reid@example.com, please send me the closure schedule.",
    ],
    "spam": [
        "Earn $500 a day from home!!! Click bit.ly/xxxx",
        "Cheap car insurance, DM me for a quote 🚗💰",
        "Follow me for crypto tips 🚀🚀🚀",
    ],
    "hostile": [
        "<script>alert('pwned')</script> fix the roads",
        "<b>Useless</b> ministry <img src=x onerror=alert(1)>",
        "WHY DOES NOBODY ANSWER ??!!!! 😡😡😡",
        "ｓｃａｍ ministry \u202egnirt siht daer\u202c",
        "Close the bridge\u200b and you\u2019ll regret it.",
        "You people are incompetent, resign now.",
    ],
}

_FR: dict[str, list[str]] = {
    "comment": [
        "Est-ce que {place} est ouvert ce matin ? Ça ne bouge plus depuis 20 minutes.",
        "Merci pour l'information, très utile.",
        "Pourquoi aucun avertissement pour la fermeture de {place} ?",
        "Les panneaux de détour près de {place} indiquent la mauvaise direction.",
        "Combien de temps vont durer les travaux sur {place} ?",
        "J'ai entendu dire que le pont ferme pour de bon. C'est vrai ?",
        "Le traversier fonctionne-t-il selon l'horaire des jours fériés ?",
        "Bravo pour le déneigement rapide cette nuit !",
        "Les nids-de-poule sur {place} abîment les voitures. Quand seront-ils réparés ?",
        "Pouvez-vous publier les horaires de fermeture en anglais aussi ?",
        "Ma mère doit aller à l'hôpital, la voie de contournement est-elle praticable ?",
        "Suggestion : ajoutez le lien vers les caméras en direct.",
        "Troisième fermeture ce mois-ci. Inacceptable.",
        "Route inondée près de {place}, soyez prudents.",
    ],
    "reply": [
        "Pareil ici, bloqué depuis une heure.",
        "Ce n'est pas ce que dit le panneau à {place}.",
        "@{handle} ils ont déjà répondu hier.",
        "Je viens de passer, c'est dégagé maintenant.",
        "Source ? Je ne trouve rien là-dessus.",
        "D'accord, la communication laisse à désirer.",
    ],
    "mention": [
        "@{handle} les feux de circulation à {place} sont en panne, il va y avoir un accident.",
        "@{handle} quand le pont va-t-il rouvrir ? Personne ne sait.",
        "Il paraît que le tunnel ferme définitivement, @{handle} pouvez-vous confirmer ?",
        "@{handle} merci aux équipes qui travaillent la nuit !",
    ],
    "direct": [
        "Bonjour, ma voiture a été remorquée sur {place} pendant les travaux. Qui appeler ?",
        "Je suis coincée au terminal du traversier avec mes enfants, y a-t-il un autre départ ?",
        "Puis-je être remboursé de mon billet ? Appelez-moi au 514-555-0199.",
        "Je veux signaler un nid-de-poule dangereux à {place}, près de l'école.",
    ],
    "spam": [
        "Gagnez 500 $ par jour depuis chez vous !!! bit.ly/xxxx",
        "Assurance auto pas chère, écrivez-moi 🚗",
    ],
    "hostile": [
        "<script>document.location='http://evil.example'</script> réparez les routes",
        "Ministère <i>incompétent</i> 😡 démission !",
        "POURQUOI PERSONNE NE RÉPOND ??!!",
    ],
}


@dataclass(frozen=True)
class MessageBank:
    """Texts by language and category; ``weights`` say how often each category is drawn."""

    texts: Mapping[str, Mapping[str, tuple[str, ...]]]
    # How often each category is drawn for a "message" action, relative to the others.
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "comment": 50,
            "reply": 18,
            "mention": 12,
            "direct": 12,
            "spam": 3,
            "hostile": 5,
        }
    )
    language_weights: Mapping[str, float] = field(default_factory=lambda: {"en": 0.6, "fr": 0.4})

    def extended(self, language: str, category: str, texts: Iterable[str]) -> MessageBank:
        """A copy of the bank with more texts, e.g. a crisis scenario's own wave."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
        merged = {lang: dict(by_cat) for lang, by_cat in self.texts.items()}
        merged.setdefault(language, {})
        merged[language][category] = tuple(merged[language].get(category, ())) + tuple(texts)
        weights = dict(self.language_weights)
        weights.setdefault(language, 0.2)
        return MessageBank(texts=merged, weights=self.weights, language_weights=weights)

    def pick(self, language: str, category: str) -> tuple[str, ...]:
        by_language = self.texts.get(language) or {}
        return by_language.get(category) or self.texts["en"].get(category, ())


def default_bank() -> MessageBank:
    return MessageBank(
        texts={
            "en": {category: tuple(texts) for category, texts in _EN.items()},
            "fr": {category: tuple(texts) for category, texts in _FR.items()},
        }
    )
