"""Public addresses for images, which Instagram and Threads fetch themselves.

Instagram and Threads do not take uploads: they download the image from a public URL
while the post is created. Civic Desk holds media as bytes, so the default builder writes
the image into the media storage under ``public/<sha256>.<ext>`` and answers
``SITE_URL + MEDIA_URL + that name``. The deployment must serve MEDIA_URL from a host
the platforms can reach; an installation on a laptop or a private network cannot, and
then publishing an image there is refused with a plain sentence.

Connectors take any ``MediaUrlBuilder`` (for example one uploading to object storage).
"""

from __future__ import annotations

import hashlib
import ipaddress
import mimetypes
from collections.abc import Callable
from urllib.parse import urlsplit

from civicdesk.connectors.base import MediaItem, UnsupportedError

MediaUrlBuilder = Callable[[MediaItem], str]


def is_public_url(url: str) -> bool:
    """Whether a URL names a host on the internet (not loopback, private or local)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return address.is_global


def site_media_url(item: MediaItem) -> str:
    """Store the image in the site's media storage and return its public address."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    site = str(settings.SITE_URL).rstrip("/")
    if not is_public_url(site):
        raise UnsupportedError(
            "Instagram and Threads fetch images from a public web address, and this "
            f"installation's address ({site}) cannot be reached from the internet: set "
            "SITE_URL to a public address that serves the media files."
        )
    extension = mimetypes.guess_extension(item.content_type) or ".bin"
    name = f"public/{hashlib.sha256(item.data).hexdigest()}{extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(item.data))
    media = str(settings.MEDIA_URL).strip("/")
    return f"{site}/{media}/{name}" if media else f"{site}/{name}"
