"""Access-to-information exports: a signed ZIP of the archive's threads, and its check.

The ZIP holds, for every thread the search finds: a readable HTML page and the same as JSON;
the media files the versions list; the whole as a WARC file (ISO 28500); the redactions made
(third-party personal data, when asked); the installation's public key; and
``manifest.json``, the SHA-256 of every file, signed in ``manifest.sig``. The ZIP's comment
carries a signature of every byte before it, so changing any byte of the file is caught, and
the manifest says which file changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from civicdesk.organizations.models import Organization
from civicdesk.records import signing
from civicdesk.records.archive import canonical
from civicdesk.records.models import ArchiveEntry, EntryKind
from civicdesk.records.search import ArchiveQuery, threads_for
from civicdesk.understanding.pii import find_pii, mask_pii

SIGNATURE_PREFIX = b"civicdesk-records-signature:"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig"
# Entries written by the public: their authors are third parties to a request.
PUBLIC_KINDS = {
    EntryKind.MESSAGE,
    EntryKind.MESSAGE_EDITED,
    EntryKind.MESSAGE_DELETED,
    EntryKind.MODERATION,
}


@dataclass
class Redactor:
    """Replaces third parties' names with a stable pseudonym and masks personal data in
    their text; lists every redaction made."""

    enabled: bool
    pseudonyms: dict[str, str] = field(default_factory=dict)
    listed: list[dict[str, Any]] = field(default_factory=list)

    def person(self, name: str, *, entry: int, field_name: str) -> str:
        if not self.enabled or not name:
            return name
        alias = self.pseudonyms.setdefault(name, f"Person {len(self.pseudonyms) + 1}")
        self.listed.append(
            {"entry": entry, "field": field_name, "kind": "name", "replaced_by": alias}
        )
        return alias

    def text(self, value: str, *, entry: int, field_name: str) -> str:
        if not self.enabled or not value:
            return value
        spans = find_pii(value)
        for span in spans:
            self.listed.append(
                {
                    "entry": entry,
                    "field": field_name,
                    "kind": span.kind,
                    "replaced_by": f"[{span.kind}]",
                }
            )
        text = mask_pii(value, spans) if spans else value
        for name, alias in self.pseudonyms.items():
            if len(name) > 2 and name in text:
                text = text.replace(name, alias)
                self.listed.append(
                    {"entry": entry, "field": field_name, "kind": "name", "replaced_by": alias}
                )
        return text


def _entry_view(entry: ArchiveEntry, redactor: Redactor) -> dict[str, Any]:
    public = entry.kind in PUBLIC_KINDS
    content = json.loads(canonical(entry.content))
    author = entry.author_label
    actor = entry.actor_label
    text = entry.text
    if public:
        original = author
        author = redactor.person(author, entry=entry.sequence, field_name="author")
        if actor == original:
            actor = author
        inner = content.get("author")
        if isinstance(inner, dict):
            content["author"] = {
                k: redactor.person(str(v), entry=entry.sequence, field_name=f"author.{k}")
                for k, v in inner.items()
            }
        text = redactor.text(text, entry=entry.sequence, field_name="text")
        if "text" in content:
            content["text"] = redactor.text(
                str(content["text"]), entry=entry.sequence, field_name="content.text"
            )
    return {
        "sequence": entry.sequence,
        "kind": entry.kind,
        "kind_label": EntryKind(entry.kind).label,
        "subject": entry.subject,
        "occurred_at": entry.occurred_at.isoformat(),
        "occurred": entry.occurred_at,
        "recorded_at": entry.recorded_at.isoformat(),
        "author": author,
        "changed_by": actor,
        "text": text,
        "content": content,
        "content_hash": entry.content_hash,
        "hash": entry.hash,
        "erased": entry.erased_reason if entry.erased_at else "",
    }


@dataclass
class ExportResult:
    path: Path
    threads: int
    entries: int
    files: int
    redactions: int


def _media_paths(entries: Iterable[ArchiveEntry]) -> dict[str, str]:
    found = {}
    for entry in entries:
        for item in entry.content.get("media", []) if isinstance(entry.content, dict) else []:
            stored = item.get("archived_as")
            if stored and item.get("sha256"):
                found[item["sha256"]] = stored
    return found


def _warc(files: dict[str, bytes], organization: Organization, created: datetime) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(
        writer.create_warcinfo_record(
            "export.warc.gz",
            {
                "software": "Civic Desk records export",
                "format": "WARC File Format 1.1",
                "description": f"Records of {organization.name}, exported {created.isoformat()}",
            },
        )
    )
    for name, data in files.items():
        if name.endswith(".html"):
            content_type = "text/html; charset=utf-8"
        elif name.endswith(".json"):
            content_type = "application/json"
        else:
            content_type = "application/octet-stream"
        record = writer.create_warc_record(
            f"urn:civicdesk:{organization.slug}/{name}",
            "resource",
            payload=io.BytesIO(data),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": created.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        writer.write_record(record)
    return out.getvalue()


def _safe_name(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value)[:80]


def build_export(
    *,
    organization: Organization,
    query: ArchiveQuery,
    out: Path | io.BytesIO,
    redact: bool = False,
    requested_by: str = "",
    language: str = "en",
) -> ExportResult:
    """Write the signed ZIP of every thread the query finds to ``out``."""
    created = timezone.now()
    redactor = Redactor(enabled=redact)
    with translation.override(language):
        threads = threads_for(organization.pk, query, organization.tz)
        files: dict[str, bytes] = {}
        summaries = []
        entry_count = 0
        for thread in threads:
            views = [_entry_view(e, redactor) for e in thread.entries]
            entry_count += len(views)
            holds = [{"name": h.name} for h in thread.holds]
            as_json = {
                "thread": thread.key,
                "title": thread.title,
                "holds": holds,
                "entries": [{k: v for k, v in view.items() if k != "occurred"} for view in views],
            }
            files[f"threads/{thread.slug}.json"] = canonical(as_json)
            files[f"threads/{thread.slug}.html"] = render_to_string(
                "records/export_thread.html",
                {"organization": organization, "thread": thread, "entries": views, "holds": holds},
            ).encode()
            summaries.append(thread)
        for stored in _media_paths(e for t in threads for e in t.entries).values():
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as fh:
                    files[f"media/{_safe_name(stored.rsplit('/', 1)[-1])}"] = fh.read()
        files["index.html"] = render_to_string(
            "records/export_index.html",
            {
                "organization": organization,
                "threads": summaries,
                "query": query,
                "created": created,
                "redacted": redact,
            },
        ).encode()
    files["redactions.json"] = canonical(redactor.listed)
    files["export.warc.gz"] = _warc(
        {k: v for k, v in files.items() if k.startswith(("threads/", "media/"))},
        organization,
        created,
    )
    files["public-key.pem"] = signing.public_key_pem().encode()
    manifest = {
        "organization": organization.slug,
        "created_at": created.isoformat(),
        "requested_by": requested_by,
        "query": query.describe(),
        "redacted": redact,
        "threads": len(threads),
        "entries": entry_count,
        "key_id": signing.key_id(),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        },
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    files[MANIFEST] = manifest_bytes
    files[MANIFEST_SIGNATURE] = signing.sign(manifest_bytes).encode()
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    raw = body.getvalue()
    # The end record's last two bytes are the comment's length (0): sign everything before
    # them, then write the signature as the comment.
    assert raw[-2:] == b"\x00\x00"
    signed = raw[:-2]
    comment = SIGNATURE_PREFIX + f"{signing.key_id()}:{signing.sign(signed)}".encode()
    final = signed + len(comment).to_bytes(2, "little") + comment
    if isinstance(out, io.BytesIO):
        out.write(final)
        path = Path("export.zip")
    else:
        out.write_bytes(final)
        path = out
    return ExportResult(
        path=path,
        threads=len(threads),
        entries=entry_count,
        files=len(files),
        redactions=len(redactor.listed),
    )


@dataclass
class Verdict:
    ok: bool
    problems: list[str]
    manifest: dict[str, Any] = field(default_factory=dict)


def verify_export(data: bytes, *, key: Ed25519PublicKey | None = None) -> Verdict:
    """Check the file's signature, the manifest's, and every file against the manifest."""
    problems: list[str] = []
    marker = data.rfind(SIGNATURE_PREFIX)
    if marker < 2:
        return Verdict(False, ["the file carries no signature"])
    comment = data[marker:]
    signed = data[: marker - 2]
    if data[marker - 2 : marker] != len(comment).to_bytes(2, "little"):
        return Verdict(False, ["the signature's length does not match: the file was changed"])
    try:
        key_id, signature = comment[len(SIGNATURE_PREFIX) :].decode().split(":", 1)
    except (UnicodeDecodeError, ValueError):
        return Verdict(False, ["the signature is unreadable"])
    if key_id != signing.key_id(key):
        problems.append(
            f"it names the key {key_id}, not the key it is checked with ({signing.key_id(key)})"
        )
    elif not signing.signature_ok(signed, signature, key):
        problems.append(
            "the file's signature does not match its content: a byte was changed"
            f" (or it was signed by another key than {signing.key_id(key)}; it names {key_id})"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        manifest_bytes = zf.read(MANIFEST)
        manifest = json.loads(manifest_bytes)
        if not signing.signature_ok(
            manifest_bytes, zf.read(MANIFEST_SIGNATURE).decode().strip(), key
        ):
            problems.append("the manifest's signature does not match the manifest")
        listed = manifest.get("files", {})
        for name in sorted(set(listed) - names):
            problems.append(f"{name} is listed in the manifest but missing")
        for name in sorted(names - set(listed) - {MANIFEST, MANIFEST_SIGNATURE}):
            problems.append(f"{name} is not in the manifest")
        for name in sorted(set(listed) & names):
            digest = hashlib.sha256(zf.read(name)).hexdigest()
            if digest != listed[name].get("sha256"):
                problems.append(f"{name} differs from its SHA-256 in the manifest")
    except Exception as exc:  # noqa: BLE001 - a damaged ZIP fails in many ways, all "no"
        return Verdict(False, [*problems, f"the ZIP cannot be read: {exc}"])
    return Verdict(not problems, problems, manifest)


def verify_warc(data: bytes) -> Verdict:
    """Check every record's digest in a WARC file (as exported inside the ZIP)."""
    problems = []
    records = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
            record.content_stream().read()
            records += 1
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds for a bad file
        problems.append(f"record {records + 1} does not verify: {exc}")
    return Verdict(not problems, problems, {"records": records})
