"""Images on posts: real images only, described per language, and sent to the platform."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from civicdesk.publishing import media as post_media
from civicdesk.publishing.checks import post_findings
from civicdesk.publishing.models import PostMedia, PostStatus
from civicdesk.publishing.publisher import outbound_for
from tests.factories import World, approve_post, make_post, make_world


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path
    return make_world()


def test_attach_describe_and_send(world: World) -> None:
    post = make_post(brand=world.brand, author=world.author)
    item = post_media.media_attach(
        post=post,
        actor=world.author,
        data=png(),
        filename="a.png",
        alt_texts={"en": "A red square", "fr": "Un carré rouge"},
    )
    assert (item.width, item.height, item.content_type) == (40, 30, "image/png")
    publication = post.publications.select_related("variant", "post").first()
    outbound = outbound_for(publication)
    [sent] = outbound.media
    assert sent.data == png() and sent.alt_text == item.alt_text(publication.variant.language)


@pytest.mark.parametrize(
    "data", [b"<svg onload=alert(1)>", b"GIF89a" + b"\0" * 10, b"", b"%PDF-1.4 not an image"]
)
def test_not_an_image_is_refused(world: World, data: bytes) -> None:
    post = make_post(brand=world.brand, author=world.author)
    with pytest.raises(ValidationError):
        post_media.media_attach(
            post=post, actor=world.author, data=data, filename="x.png", alt_texts={}
        )
    assert not PostMedia.objects.exists()


def test_missing_alt_text_is_found_and_change_resets_approval(world: World) -> None:
    post = make_post(brand=world.brand, author=world.author)
    item = post_media.media_attach(
        post=post, actor=world.author, data=png(), filename="a.png", alt_texts={}
    )
    codes = {finding.code for finding in post_findings(post)}
    assert "accessibility.alt_text_missing" in codes
    post_media.media_describe(
        media=item, actor=world.author, alt_texts={"en": "A red square", "fr": "Un carré rouge"}
    )
    approve_post(post=post, author=world.author, approver=world.approver)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    post_media.media_remove(media=item, actor=world.author)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and post.revision == 2


def test_pages_upload_view_and_permissions(client: Client, world: World) -> None:
    post = make_post(brand=world.brand, author=world.author)
    client.force_login(world.author)
    upload = io.BytesIO(png())
    upload.name = "photo.png"
    client.post(f"/posts/{post.pk}/media/", {"image": upload, "alt_en": "Red", "alt_fr": "Rouge"})
    item = PostMedia.objects.get()
    page = client.get(f"/posts/{post.pk}/")
    assert b"Red" in page.content
    image = client.get(f"/posts/{post.pk}/media/{item.pk}/file/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    client.force_login(world.other_member)
    assert client.get(f"/posts/{post.pk}/media/{item.pk}/file/").status_code == 404
    client.force_login(world.viewer)
    assert client.post(f"/posts/{post.pk}/media/{item.pk}/remove/").status_code == 403
    client.logout()
    assert client.get(f"/posts/{post.pk}/media/{item.pk}/file/").status_code == 302


def test_public_media_serves_only_hashed_names(client: Client, world: World, settings: Any) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = "a" * 64 + ".png"
    default_storage.save(f"public/{name}", ContentFile(png()))
    assert client.get(f"/media/public/{name}").status_code == 200
    assert client.get("/media/public/..%2Fsecret_key").status_code == 404
    assert client.get("/media/public/" + "b" * 64 + ".png").status_code == 404
