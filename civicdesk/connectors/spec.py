"""What a platform is: the one description each platform package declares.

Every ``civicdesk/connectors/<platform>/platform.py`` holds a ``SPEC``; the catalogue
(``connectors/catalog.py``) finds them, and everything else is built from them: the
registry's connector and flow tables, the ``Platform`` model choices, the settings of each
platform's registered application and the platform rules the composer checks.

Pure Python with no Django and no HTTP: ``settings.py`` reads these modules before Django
is set up, and the rules library reads them without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Counting(StrEnum):
    """The unit a platform's limit is expressed in."""

    WEIGHTED = "weighted"  # X: code points weighted 1 or 2 after NFC, emoji sequences 2
    GRAPHEMES = "graphemes"  # Unicode extended grapheme clusters
    UTF16 = "utf16"  # UTF-16 code units, what JavaScript composers count
    CODE_POINTS = "code_points"  # Unicode code points, as Python's len() counts


@dataclass(frozen=True, slots=True)
class MediaRules:
    max_items: int
    image_types: tuple[str, ...]
    video_types: tuple[str, ...] = ()
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    max_videos: int = 1
    # Width / height bounds, inclusive; None means the platform crops or letterboxes.
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    min_width: int | None = None
    max_alt_text: int | None = None  # in the platform's own counting unit
    requires_media: bool = False
    mixes_images_and_video: bool = False
    # The longest video the platform takes, in seconds (None: no published limit).
    max_video_seconds: float | None = None
    # The video codecs it takes, as an MP4's sample entries ("avc1": H.264); empty: any.
    video_codecs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlatformRules:
    """What a platform accepts: its text limit, how it counts, and its media rules."""

    slug: str
    name: str
    max_length: int
    counting: Counting
    media: MediaRules
    # Every link counts this many characters, whatever its length (None: links count in full).
    url_length: int | None = None
    max_bytes: int | None = None
    # A limit on the raw text too, before links are shortened (None: no such limit).
    max_raw_length: int | None = None
    normalize_nfc: bool = False
    emoji_parsing: bool = False
    # Mastodon counts "@user@example.social" as "@user".
    remote_mentions_count_local_part: bool = False
    max_hashtags: int | None = None
    max_mentions: int | None = None
    splits_threads: bool = False
    text_required: bool = True
    notes: tuple[str, ...] = field(default=())


WEB_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")
VIDEOS = ("video/mp4", "video/quicktime")
MB = 1024 * 1024


def gettext_noop(message: str) -> str:
    """Marks a platform's label for the translation catalogues without importing Django
    (Django's own ``gettext_noop`` does the same); it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class PlatformSpec:
    """One platform, described once.

    ``connector`` and ``auth_flow`` are dotted paths, so reading a description never
    imports a connector (nor httpx, nor Django). What the platform can do is the
    connector class's to say, per channel: see ``Connector.channel_capabilities``.
    """

    slug: str  # the value stored in Channel.platform; also the package's name
    label: str  # the name people read, in English (marked with gettext_noop)
    connector: str
    auth_flow: str
    # The text and media rules the composer checks; None for a platform that takes no posts
    # written here (a newsroom feed is only read).
    rules: PlatformRules | None
    # Read CIVICDESK_<PREFIX>_CLIENT_ID and _CLIENT_SECRET: the organization registers an
    # application with the platform before anyone can connect an account.
    app_credentials: bool = False
    # Further settings of that application, each read from CIVICDESK_<PREFIX>_<NAME>.
    app_settings: tuple[str, ...] = ()
    # The prefix of the platform's environment variables (also _API_URL); "" when the
    # platform has no settings of its own (the exercise network is served by Civic Desk).
    settings_prefix: str = ""

    def env(self, name: str) -> str:
        """The environment variable of one of the platform's settings."""
        return f"CIVICDESK_{self.settings_prefix}_{name.upper()}"

    @property
    def app_setting_names(self) -> tuple[str, ...]:
        credentials = ("client_id", "client_secret") if self.app_credentials else ()
        return tuple(dict.fromkeys((*credentials, *self.app_settings)))
