"""Images the platforms fetch by address (Instagram, Threads): public, by content hash."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Only names the media builder makes: the SHA-256 of the bytes and an image extension.
PUBLIC_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|jpeg|png|gif|webp)$")
TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


@login_not_required
@require_GET
def public_media(request: HttpRequest, name: str) -> FileResponse:
    if not PUBLIC_NAME.match(name) or not default_storage.exists(f"public/{name}"):
        raise Http404(_("No such image"))
    response = FileResponse(
        default_storage.open(f"public/{name}", "rb"), content_type=TYPES[name.rsplit(".", 1)[1]]
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response
