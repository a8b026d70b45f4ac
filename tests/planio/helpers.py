"""Building plan files for the import tests."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from django.utils import timezone


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def local_day(days: int, hour: int = 9) -> str:
    """A local time ``days`` from now, as the import's YYYY-MM-DD HH:MM."""
    day = timezone.now().date() + timedelta(days=days)
    return f"{day:%Y-%m-%d} {hour:02d}:00"


def next_spring_gap() -> str:
    """A time skipped in Europe/Paris: 02:30 on the next last Sunday of March."""
    year = timezone.now().year + 1
    last = date(year, 3, 31)
    while last.weekday() != 6:
        last -= timedelta(days=1)
    return f"{datetime(year, 3, last.day, 2, 30):%Y-%m-%d %H:%M}"
