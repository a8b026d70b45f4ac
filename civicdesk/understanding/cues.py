"""Transparent multilingual cues: short word lists and patterns, each with a name that can be
shown to staff as the reason a score went up."""

from __future__ import annotations

import re


def _words(*phrases: str) -> re.Pattern:
    body = "|".join(sorted((re.escape(p) for p in phrases), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


QUESTION_MARK = re.compile(r"[?¿؟？]")
INTERROGATIVE = re.compile(
    r"^(?:what|where|when|why|how|who|which|can|could|is|are|do|does|did|will|would|should|any(?:one|body)|"
    r"qu[eé]|c[oó]mo|cu[aá]ndo|d[oó]nde|por\s?qu[eé]|qui[eé]n|cu[aá]l|hay|puedo|pueden|"
    r"comment|pourquoi|quand|o[uù]|qui|quel(?:le)?s?|est-ce|pouvez|peut-on|"
    r"o\s+que|como|quando|onde|porque|quem|qual|"
    r"wie|wo|wann|warum|wer|was|kann|gibt|perch[eé]|dove|quando|chi|cosa)\b",
    re.IGNORECASE,
)
THANKS = _words(
    "thank you", "thanks", "thx", "thank u", "great job", "well done", "good job", "appreciate", "kudos",
    "merci", "bravo", "félicitations", "gracias", "felicidades", "enhorabuena", "obrigado", "obrigada",
    "parabéns", "danke", "vielen dank", "grazie", "complimenti", "dank je", "bedankt", "shukran", "شكرا",
    "спасибо", "dziękuję", "teşekkürler", "asante", "amazing work", "great work", "love this", "excellent",
)
PRAISE_EMOJI = re.compile("[\U0001F44F\U0001F64F\u2764\U0001F496\U0001F60D\U0001F44D\U0001F389]")
HELP = _words(
    "please help", "help me", "help us", "need help", "needs help", "we need", "i need", "send help",
    "sos", "rescue", "stranded", "no food", "no water", "need water", "need food", "need shelter",
    "aidez-moi", "aidez-nous", "au secours", "à l'aide", "besoin d'aide", "ayuda", "ayúdenme", "auxilio",
    "socorro", "necesitamos", "necesito ayuda", "ajuda", "precisamos", "hilfe", "aiuto", "evacuate us",
    "how can i get", "where can i get", "can someone help", "can anyone help",
)
EMERGENCY = {
    "fire": _words("fire", "burning", "on fire", "wildfire", "bushfire", "smoke", "incendie", "feu", "incendio",
                   "fuego", "incêndio", "fogo", "brand", "feuer", "incendio boschivo"),
    "flood": _words("flood", "flooding", "flooded", "inondation", "inondé", "inundación", "inundado",
                    "enchente", "alagamento", "hochwasser", "alluvione"),
    "earthquake": _words("earthquake", "quake", "tremor", "séisme", "tremblement de terre", "terremoto",
                         "sismo", "erdbeben"),
    "explosion": _words("explosion", "exploded", "blast", "bomb", "explosión", "explosão", "explosion", "bombe"),
    "collapse": _words("collapsed", "collapse", "derrumbe", "effondrement", "desabamento", "building fell"),
    "trapped": _words("trapped", "stuck inside", "under the rubble", "buried", "coincé", "coincés", "atrapado",
                      "atrapados", "preso", "presos", "soterrado", "eingeschlossen", "intrappolato"),
    "gas leak": _words("gas leak", "smell gas", "fuite de gaz", "fuga de gas", "vazamento de gás"),
    "shooting": _words("shooting", "shooter", "gunman", "shots fired", "fusillade", "tiroteo", "tiroteio"),
    "crash": _words("crash", "derailed", "derailment", "accident", "accidente", "acidente", "collision"),
    "missing person": _words("missing", "disparu", "disparue", "desaparecido", "desaparecida", "vermisst"),
}
INJURY = _words(
    "injured", "injury", "injuries", "wounded", "bleeding", "hurt", "unconscious", "not breathing", "dead",
    "died", "killed", "casualties", "blessé", "blessés", "morts", "herido", "heridos", "muertos",
    "ferido", "feridos", "mortos", "verletzt", "tote", "ferito", "feriti",
)
URGENT = _words("urgent", "emergency", "asap", "immediately", "911", "112", "999", "urgente", "urgence", "dringend")
COMPLAINT = _words(
    "still waiting", "worst", "terrible", "awful", "disgusting", "unacceptable", "ridiculous", "shame on",
    "fed up", "no one", "nobody", "never again", "useless", "pathetic", "disappointed", "complaint",
    "inadmissible", "honte", "scandaleux", "inacceptable", "nul", "vergüenza", "indignante", "pésimo",
    "queja", "reclamo", "vergonha", "péssimo", "absurdo", "reclamação", "skandal", "vergogna",
)
RUMOUR = _words(
    "i heard", "they say", "apparently", "is it true", "rumor", "rumour", "hoax", "fake news",
    "share before", "before they delete", "they don't want you to know", "cover up", "cover-up",
    "conspiracy", "5g", "microchip", "plandemic", "on dit que", "rumeur", "il paraît", "bulo", "dicen que",
    "me dijeron", "es verdad que", "boato", "dizem que", "é verdade que", "gerücht",
)
SUGGESTION = _words(
    "you should", "should consider", "it would be", "would be nice", "would be great", "i suggest",
    "suggestion", "please consider", "why not", "how about", "could you add", "please add", "propose",
    "vous devriez", "il faudrait", "je suggère", "ce serait bien", "deberían", "debería", "sería bueno",
    "sugiero", "propongo", "vocês deveriam", "seria bom", "sugiro", "sie sollten", "vorschlag",
)
SPAM = _words(
    "subscribe", "check out my", "check my channel", "follow me", "follow back", "click here", "free money",
    "earn money", "make money", "giveaway", "visit my", "promo code", "bitcoin", "crypto", "whatsapp me",
    "dm me for", "bit.ly", "onlyfans", "casino", "viagra", "work from home",
)
ABUSE = _words(
    "idiot", "idiots", "stupid", "moron", "morons", "scum", "fuck you", "f*ck", "bastard", "bastards",
    "asshole", "shut up", "connard", "connards", "crétin", "imbécile", "idiota", "idiotas", "estúpido",
    "pendejo", "gilipollas", "cabrón", "idiotas", "burro", "arschloch", "idioti", "stronzo",
)


def find(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0).lower() if match else None
