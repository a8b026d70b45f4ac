"""The plan in: a CSV or .xlsx file of posts, checked row by row, imported as drafts.

The columns are documented in docs/plan-import.md; an exported file (plan_export.py) imports
again.
Import is all or nothing: every row is checked first (brand, channels, time, texts, and the
same policy findings the composer shows), every bad row is reported by line and column, and
only a file without a single bad row is written, in one transaction, as drafts that still
go through approval. Cells that a spreadsheet would run as a formula are defused on export
(a leading apostrophe) and the apostrophe is taken off again on import.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel
from civicdesk.publishing import services
from civicdesk.publishing.checks import draft_variants, findings_for, postable_channels
from civicdesk.publishing.models import Campaign, Pillar, Post

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000

# Columns an exported file carries that say what a post was, not what to create.
IGNORED_ON_IMPORT = {"post_id", "local_time", "time_zone", "status", "author"}
REQUIRED = ("brand", "channels", "scheduled_at")
KNOWN = {"brand", "title", "scheduled_at", "channels", "pillar", "campaign", "link"}
TEXT_COLUMN = re.compile(r"^text_([a-z]{2,3}(?:-[a-z0-9]{2,8})?)$")
# A cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


class PlanFileError(Exception):
    """The file as a whole cannot be read (not a CSV, too big, wrong encoding...)."""


# --- reading a file --------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    cells: dict[str, str]


def _is_xlsx(name: str, data: bytes) -> bool:
    return name.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def read_rows(name: str, data: bytes) -> list[Row]:
    """The file's rows as {column: value}, numbered by the line (or sheet row) they start on."""
    if len(data) > MAX_FILE_BYTES:
        raise PlanFileError(_("The file is larger than 5 MB: split it into several files."))
    if not data.strip():
        raise PlanFileError(_("The file is empty."))
    if _is_xlsx(name, data):
        return _read_xlsx(data)
    if b"\x00" in data[:8192]:
        raise PlanFileError(
            _("This is not a CSV file. Save the plan as CSV (UTF-8) or as an Excel .xlsx file.")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanFileError(
            _("The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8”.")
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        rows = []
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append(Row(start, _cells(header, record)))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise PlanFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    except csv.Error as error:
        raise PlanFileError(
            _("Line %(line)d cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    return _with_header(header, rows)


def _read_xlsx(data: bytes) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise PlanFileError(_("This .xlsx file cannot be opened.")) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(values, ())]
    rows = []
    for number, record in enumerate(values, start=2):
        cells = [_cell_text(v) for v in record]
        if any(cell.strip() for cell in cells):
            rows.append(Row(number, _cells(header, cells)))
        if len(rows) > MAX_ROWS:
            raise PlanFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    book.close()
    return _with_header(header, rows)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _cells(header: list[str], record: list[str]) -> dict[str, str]:
    cells = {}
    for column, value in zip(header, record, strict=False):
        value = value.strip()
        # An exported cell defused against formulas: take the apostrophe off again.
        if value.startswith("'") and value[1:].startswith(FORMULA_START):
            value = value[1:]
        cells[column.strip().lower()] = value
    return cells


def _with_header(header: list[str], rows: list[Row]) -> list[Row]:
    columns = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise PlanFileError(
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if not any(TEXT_COLUMN.match(column) for column in columns):
        raise PlanFileError(_("The file has no text column (text_en, text_fr, ...)."))
    unknown = [
        c
        for c in columns
        if c and c not in KNOWN and c not in IGNORED_ON_IMPORT and not TEXT_COLUMN.match(c)
    ]
    if unknown:
        raise PlanFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if not rows:
        raise PlanFileError(_("The file has no posts, only the line of column names."))
    return rows


# --- checking and importing -----------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message: str


@dataclass
class ImportPlan:
    """What a file would create, or why it cannot."""

    drafts: list[tuple[int, Brand, services.Draft]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.drafts)


def parse_time(value: str, brand: Brand) -> datetime:
    """An ISO 8601 time with an offset, or a local time in the organization's zone."""
    tz = brand.organization.tz
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for pattern in LOCAL_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValidationError(
            _("Write the time as YYYY-MM-DD HH:MM (local time) or ISO 8601 with an offset.")
        )
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    local = parsed.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != parsed:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s: the clocks skip that hour.")
            % {"time": f"{parsed:%Y-%m-%d %H:%M}", "zone": tz.key}
        )
    return as_utc


class _RowProblems(list[RowProblem]):
    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line

    def add(self, column: str, message: str) -> None:
        self.append(RowProblem(self.line, column, message))


class _Lookups:
    """What rows name (brands, channels, pillars, campaigns), read once per file."""

    def __init__(self, actor: Person) -> None:
        self.brands: dict[str, list[Brand]] = {}
        for brand in brands_for(actor, Perm.COMPOSE).filter(archived_at=None):
            self.brands.setdefault(brand.name.casefold(), []).append(brand)
            self.brands.setdefault(str(brand.pk), []).append(brand)
        self._channels: dict[int, list[Channel]] = {}
        self._pillars: dict[int, list[Pillar]] = {}
        self._campaigns: dict[int, list[Campaign]] = {}

    def channels(self, brand: Brand) -> list[Channel]:
        if brand.pk not in self._channels:
            self._channels[brand.pk] = postable_channels(brand.pk)
        return self._channels[brand.pk]

    def pillars(self, brand: Brand) -> list[Pillar]:
        org = brand.organization_id
        if org not in self._pillars:
            self._pillars[org] = list(Pillar.objects.filter(organization_id=org))
        return self._pillars[org]

    def campaigns(self, brand: Brand) -> list[Campaign]:
        org = brand.organization_id
        if org not in self._campaigns:
            self._campaigns[org] = list(Campaign.objects.filter(organization_id=org))
        return self._campaigns[org]


def _handle(value: str) -> str:
    return value.strip().lstrip("@").casefold()


def check_rows(*, actor: Person, rows: Iterable[Row], now: datetime | None = None) -> ImportPlan:
    """Every row checked; nothing is written."""
    now = now or timezone.now()
    lookups = _Lookups(actor)
    plan = ImportPlan()
    for row in rows:
        problems = _RowProblems(row.line)
        cells = row.cells
        name = cells.get("brand", "")
        found = lookups.brands.get(name.casefold(), []) if name else []
        if not name:
            problems.add("brand", _("Name the brand."))
            plan.problems.extend(problems)
            continue
        if len(found) != 1:
            if found:
                problems.add(
                    "brand",
                    _("Several of your brands are called “%(name)s”: use its number.")
                    % {"name": name},
                )
            else:
                problems.add(
                    "brand",
                    _("You cannot write posts for a brand called “%(name)s”.") % {"name": name},
                )
            plan.problems.extend(problems)
            continue
        brand = found[0]
        org = brand.organization
        postable = lookups.channels(brand)
        by_handle = {_handle(c.handle): c for c in postable}
        channels: list[Channel] = []
        wanted = [h for h in re.split(r"[;,\s]+", cells.get("channels", "")) if h.strip()]
        if not wanted:
            problems.add(
                "channels", _("Name at least one channel of %(brand)s.") % {"brand": brand}
            )
        for handle in wanted:
            channel = by_handle.get(_handle(handle))
            if channel is None:
                problems.add(
                    "channels",
                    _("%(handle)s is not a channel of %(brand)s that publishes.")
                    % {"handle": handle, "brand": brand},
                )
            elif channel not in channels:
                channels.append(channel)
        at = None
        if not cells.get("scheduled_at"):
            problems.add("scheduled_at", _("Give the time the post goes out."))
        else:
            try:
                at = parse_time(cells["scheduled_at"], brand)
            except ValidationError as error:
                problems.add("scheduled_at", " ".join(error.messages))
            else:
                if at <= now:
                    problems.add("scheduled_at", _("This time has already passed."))
        texts: dict[str, str] = {}
        for column, value in cells.items():
            match = TEXT_COLUMN.match(column)
            if not match or not value:
                continue
            lang = match.group(1)
            if lang not in org.official_languages:
                problems.add(
                    column,
                    _("%(language)s is not an official language of %(organization)s.")
                    % {"language": lang, "organization": org},
                )
            elif len(value) > services.MAX_TEXT:
                problems.add(column, _("The text is too long."))
            else:
                texts[lang] = value
        if not texts:
            problems.add("text", _("Write the post in at least one official language."))
        pillar = campaign = None
        if cells.get("pillar"):
            key = cells["pillar"].casefold()
            pillar = next(
                (p for p in lookups.pillars(brand) if key in (p.slug, p.name.casefold())), None
            )
            if pillar is None:
                problems.add(
                    "pillar", _("There is no pillar “%(name)s”.") % {"name": cells["pillar"]}
                )
        if cells.get("campaign"):
            key = cells["campaign"].casefold()
            campaign = next((c for c in lookups.campaigns(brand) if c.name.casefold() == key), None)
            if campaign is None:
                problems.add(
                    "campaign", _("There is no campaign “%(name)s”.") % {"name": cells["campaign"]}
                )
        if channels and texts:
            findings = findings_for(
                organization=org,
                channels=channels,
                variants=draft_variants(channels=channels, texts=texts, overrides={}),
                other_channels=[c for c in postable if c not in channels],
            )
            seen: set[str] = set()
            for finding in findings:
                if finding.blocking and finding.message not in seen:
                    seen.add(finding.message)
                    problems.add("text", finding.message)
        if problems:
            plan.problems.extend(problems)
            continue
        first_text = texts.get(org.official_languages[0], "") or next(iter(texts.values()))
        title = cells.get("title") or first_text.splitlines()[0][:80]
        plan.drafts.append(
            (
                row.line,
                brand,
                services.Draft(
                    title=title,
                    texts=texts,
                    channels=channels,
                    scheduled_at=at,
                    pillar=pillar,
                    campaign=campaign,
                    link=cells.get("link", ""),
                ),
            )
        )
    return plan


class ImportRefused(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def plan_import(*, actor: Person, plan: ImportPlan, file_name: str) -> list[Post]:
    """Create every post of a checked file as a draft, or none (one transaction)."""
    if not plan.ok:
        raise ImportRefused(plan.problems)
    posts: list[Post] = []
    # Leaving the block by ImportRefused rolls back the posts created before the bad one.
    with transaction.atomic():
        # Read each brand again: it may have been archived since the file was checked.
        brand_ids = {brand.pk for _line, brand, _draft in plan.drafts}
        fresh = Brand.objects.select_related("organization").in_bulk(brand_ids)
        for line, brand, draft in plan.drafts:
            brand = fresh[brand.pk]
            try:
                # post_create makes a draft: imported posts still go through approval.
                posts.append(services.post_create(brand=brand, actor=actor, draft=draft))
            except ValidationError as error:
                raise ImportRefused(
                    [RowProblem(line, "", message) for message in error.messages]
                ) from None
        by_org: dict[int, list[int]] = {}
        for post in posts:
            by_org.setdefault(post.brand.organization_id, []).append(post.pk)
        for org_id, post_ids in by_org.items():
            audit(
                organization=org_id,
                actor=actor,
                action="plan.import",
                data={"count": len(post_ids), "file": file_name[:200], "posts": post_ids},
            )
    return posts
