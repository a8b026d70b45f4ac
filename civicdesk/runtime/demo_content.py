"""What the demo organization publishes: posts in English and French, by content pillar."""

from __future__ import annotations

# (pillar slug, English, French). Written the way a transport ministry's team writes.
POSTS: list[tuple[str, str, str]] = [
    (
        "safety",
        "Slow down in work zones: crews are on Highway 1 near Exit 42 this week. #ConeZone",
        "Ralentissez dans les zones de travaux : des équipes sont sur l'autoroute 1 "
        "près de la sortie 42 cette semaine. #ConeZone",
    ),
    (
        "customer-service",
        "Questions about the Port Mann bridge tolls? Our team answers here weekdays from 8 to 5.",
        "Des questions sur les péages du pont Port Mann? Notre équipe "
        "répond ici en semaine de 8 h à 17 h.",
    ),
    (
        "education",
        "Why do we salt some roads and sand others? Salt works down to about -9 °C; "
        "below that, sand gives grip. More on our blog.",
        "Pourquoi saler certaines routes et "
        "sabler d'autres? Le sel agit jusqu'à environ -9 °C; en dessous, le sable donne de "
        "l'adhérence.",
    ),
    (
        "news",
        "The new Pattullo crossing opens to traffic on Monday at 6 a.m. Plan your route.",
        "Le nouveau pont Pattullo ouvre à la circulation lundi à 6 h. Planifiez votre trajet.",
    ),
    (
        "emergency",
        "Highway 3 is closed both ways east of Hope because of a rockslide. "
        "Detour via Highway 5. Next update at 2 p.m.",
        "L'autoroute 3 est fermée dans les deux "
        "sens à l'est de Hope en raison d'un éboulement. Détour par l'autoroute 5. Prochaine mise "
        "à jour à 14 h.",
    ),
    (
        "trust",
        "Last year we answered 9 in 10 of your messages within a working day. Thank "
        "you for helping us improve.",
        "L'an dernier, nous avons répondu à 9 messages sur 10 en "
        "un jour ouvrable. Merci de nous aider à nous améliorer.",
    ),
    (
        "engagement",
        "Which mountain pass has the best view? Tell us and share your photos.",
        "Quel col de montagne offre la plus belle vue? Dites-le-nous et partagez vos photos.",
    ),
    (
        "humanizing",
        "Meet Priya, one of our avalanche technicians, who keeps the Coquihalla safe all winter.",
        "Voici Priya, technicienne en avalanches, qui veille sur la Coquihalla tout l'hiver.",
    ),
    (
        "history",
        "In 1962 the first stretch of the Trans-Canada Highway opened here. "
        "Photos from our archives.",
        "En 1962, le premier tronçon de la Transcanadienne ouvrait ici. Photos de nos archives.",
    ),
    (
        "safety",
        "Winter tires are required on most highways from October 1. Check the signs "
        "before you go. #ShiftIntoWinter",
        "Les pneus d'hiver sont obligatoires sur la plupart "
        "des autoroutes dès le 1er octobre. #ShiftIntoWinter",
    ),
    (
        "customer-service",
        "Ferry schedules change on the long weekend. Check departures before you travel.",
        "Les horaires des traversiers changent pendant la longue fin de "
        "semaine. Vérifiez les départs avant de partir.",
    ),
    (
        "news",
        "Paving starts next week on Highway 97 between Kelowna and Vernon. Expect "
        "single-lane traffic at night.",
        "Le pavage commence la semaine prochaine sur l'autoroute "
        "97 entre Kelowna et Vernon. Circulation en alternance la nuit.",
    ),
    (
        "education",
        "How do we decide when to close a pass? Avalanche risk, visibility and "
        "crews on site. A thread on our work.",
        "Comment décidons-nous de fermer un col? Risque "
        "d'avalanche, visibilité et équipes sur place.",
    ),
    (
        "emergency",
        "Flooding: Highway 8 is closed between Spences Bridge and Merritt. Do not "
        "drive through water on the road.",
        "Inondations : l'autoroute 8 est fermée entre "
        "Spences Bridge et Merritt. Ne traversez pas l'eau sur la route.",
    ),
]

CAMPAIGNS = [
    ("Shift into Winter", "Winter driving safety, October to March."),
    ("Cone Zone", "Safety for roadside workers."),
    ("Know before you go", "Checking road conditions before travel."),
]

# Replies the demo's responders have sent, by language.
REPLIES = {
    "en": [
        "Thanks for asking. The latest conditions are on our road report, updated every 15 "
        "minutes.",
        "Thanks for letting us know. We've passed this to the district crew.",
        "That's not correct: the bridge remains open. Our official updates are posted here.",
        "Sorry for the trouble. Could you send us a direct message with the location?",
    ],
    "fr": [
        "Merci de votre question. Les conditions à jour sont dans notre rapport routier.",
        "Merci de nous l'avoir signalé. Nous avons transmis l'information à l'équipe.",
        "C'est inexact : le pont reste ouvert. Nos mises à jour officielles sont publiées ici.",
        "Désolés pour le désagrément. Pouvez-vous nous écrire en message privé?",
    ],
}

# The claims desk's rumours, as the public repeats them in the exercise network's messages:
# (statement, topic, status, publish, {language: (title, facts, correction)}, sources).
CLAIMS = [
    (
        "The bridge is closing for good.",
        "Bridges",
        "false",
        True,
        {
            "en": (
                "The Harbour Bridge is not closing for good",
                "The bridge closes at night, 22:00 to 05:00, for its inspection until the end "
                "of the month. It is open every day and stays open afterwards.",
                "The Harbour Bridge is not closing: it closes only at night for its inspection "
                "until the end of the month, then stays open as usual.",
            ),
            "fr": (
                "Le pont du port ne ferme pas définitivement",
                "Le pont ferme la nuit, de 22 h à 5 h, pour son inspection jusqu'à la fin du "
                "mois. Il est ouvert chaque jour et le restera ensuite.",
                "Le pont du port ne ferme pas : il ferme seulement la nuit pour son inspection "
                "jusqu'à la fin du mois, puis reste ouvert comme d'habitude.",
            ),
        },
        [("Bridge inspection schedule", "https://example.org/bridges/inspection")],
    ),
    (
        "The north tunnel is closing for good.",
        "Tunnels",
        "misleading",
        True,
        {
            "en": (
                "The north tunnel closes for two weekends, not for good",
                "The north tunnel closes on the next two weekends to replace its lighting. "
                "Traffic is detoured by the ring road.",
                "The north tunnel closes only on the next two weekends for new lighting; the "
                "detour is by the ring road.",
            ),
            "fr": (
                "Le tunnel nord ferme deux week-ends, pas définitivement",
                "Le tunnel nord ferme les deux prochains week-ends pour remplacer son "
                "éclairage. La circulation est déviée par le périphérique.",
                "Le tunnel nord ferme seulement les deux prochains week-ends pour son nouvel "
                "éclairage ; la déviation passe par le périphérique.",
            ),
        },
        [("Planned closures", "https://example.org/roads/closures")],
    ),
    (
        "Trucks will be banned from the highway from tomorrow.",
        "Freight",
        "unverified",
        False,
        {},
        [],
    ),
]
