"""The after-action report: each expectation of the scenario scored from what the team did.

Evidence is read from the normal screens' records: incident updates and publications on the
exercise's channels, and replies to the messages the scenario planted (found in the inbox by
the network's post id). Times are given in scenario minutes from the start, so a run at any
speed reads the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from civicdesk.exercises.models import Exercise
from civicdesk.exercises.scenario import load_scenario
from civicdesk.inbox.models import InboundMessage, Reply
from civicdesk.incidents.models import IncidentUpdate
from civicdesk.publishing.models import Publication, PublicationState


def _minute(exercise: Exercise, when: datetime) -> float:
    return round(exercise.scenario_seconds(when) / 60, 1)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _updates(exercise: Exercise, end: datetime) -> list[dict[str, Any]]:
    """Each incident update sent during the exercise (once per number), oldest first."""
    seen: dict[tuple[int, int], dict[str, Any]] = {}
    for update in (
        IncidentUpdate.objects.filter(
            incident__organization_id=exercise.organization_id,
            sent_at__gte=exercise.started_at,
            sent_at__lte=end,
        )
        .select_related("incident")
        .order_by("sent_at", "pk")
    ):
        assert update.sent_at is not None
        key = (update.incident_id, update.number)
        seen.setdefault(
            key,
            {
                "what": _("Update %(number)s of %(incident)s")
                % {"number": update.number, "incident": update.incident.name},
                "post": update.post_id,
                "at": update.sent_at.isoformat(),
                "minute": _minute(exercise, update.sent_at),
            },
        )
    return list(seen.values())


def _first_public_word(exercise: Exercise, end: datetime) -> dict[str, Any] | None:
    candidates = _updates(exercise, end)[:1]
    published = (
        Publication.objects.filter(
            channel__in=exercise.channels.all(),
            state=PublicationState.PUBLISHED,
            published_at__gte=exercise.started_at,
            published_at__lte=end,
        )
        .select_related("channel")
        .order_by("published_at", "pk")
        .first()
    )
    if published is not None and published.published_at is not None:
        candidates.append(
            {
                "what": _("Post %(post)s on %(channel)s")
                % {"post": published.post_id, "channel": published.channel},
                "post": published.post_id,
                "at": published.published_at.isoformat(),
                "minute": _minute(exercise, published.published_at),
            }
        )
    return min(candidates, key=lambda c: c["minute"]) if candidates else None


def _replies_to(exercise: Exercise, post_ids: list[str], end: datetime) -> dict[str, list[Reply]]:
    """The team's replies to the planted posts, by the network's post id (one query each way)."""
    messages = {
        m.pk: m.remote_id
        for m in InboundMessage.objects.filter(
            channel__in=exercise.channels.all(), remote_id__in=post_ids
        )
    }
    by_post: dict[str, list[Reply]] = {p: [] for p in post_ids}
    for reply in Reply.objects.filter(
        message_id__in=messages, created_at__lte=end, retry_of=None
    ).order_by("created_at", "pk"):
        by_post[messages[reply.message_id]].append(reply)
    return by_post


def score(*, exercise: Exercise, now: datetime) -> dict[str, Any]:
    """Every expectation with its score (0 to 1), whether it was met, and the evidence."""
    scenario = load_scenario(exercise.source, base_dir=exercise.scenario_folder)
    expect = scenario.expectations
    end = min(now, exercise.ended_at or now)
    planted = list(exercise.actions.filter(kind__in=["message", "rumour"]).order_by("number"))
    scores: list[dict[str, Any]] = []

    if expect.first_update_within_minutes is not None:
        limit = expect.first_update_within_minutes
        first = _first_public_word(exercise, end)
        met = first is not None and first["minute"] <= limit
        scores.append(
            {
                "expectation": "first_update",
                "label": _("First public update within %(n)s minutes") % {"n": f"{limit:g}"},
                "score": 1.0 if met else 0.0,
                "met": met,
                "evidence": [first] if first else [],
                "note": "" if first else _("No update was published."),
            }
        )

    if expect.emergency_answered_within_minutes is not None:
        limit = expect.emergency_answered_within_minutes
        emergencies = [
            a for a in planted if a.kind == "message" and a.data.get("kind") == "emergency"
        ]
        replies = _replies_to(exercise, [a.data["post"] for a in emergencies], end)
        evidence = []
        for action in emergencies:
            asked = _minute(exercise, action.done_at)
            answer = replies[action.data["post"]][:1]
            entry: dict[str, Any] = {
                "message": action.data["text"],
                "post": action.data["post"],
                "minute": asked,
            }
            if answer:
                answered = _minute(exercise, answer[0].created_at)
                entry.update(
                    reply=answer[0].pk, reply_minute=answered, delay=round(answered - asked, 1)
                )
                entry["met"] = answered - asked <= limit
            else:
                entry["met"] = False
            evidence.append(entry)
        kept = sum(1 for e in evidence if e["met"])
        scores.append(
            {
                "expectation": "emergency_answered",
                "label": _("Every emergency report answered within %(n)s minutes")
                % {"n": f"{limit:g}"},
                "score": kept / len(evidence) if evidence else 1.0,
                "met": kept == len(evidence),
                "evidence": evidence,
                "note": "" if evidence else _("The scenario planted no emergency report."),
            }
        )

    if expect.rumours_corrected:
        rumours = [a for a in planted if a.kind == "rumour"]
        replies = _replies_to(exercise, [a.data["post"] for a in rumours], end)
        evidence = []
        for action in rumours:
            wanted = _normal(action.data["correction"])
            right = [r for r in replies[action.data["post"]] if wanted in _normal(r.text)]
            entry = {
                "rumour": action.data["text"],
                "correction": action.data["correction"],
                "post": action.data["post"],
                "minute": _minute(exercise, action.done_at),
                "met": bool(right),
            }
            if right:
                entry.update(reply=right[0].pk, reply_minute=_minute(exercise, right[0].created_at))
            elif replies[action.data["post"]]:
                entry["note"] = _("Answered, but not with the approved correction.")
            evidence.append(entry)
        kept = sum(1 for e in evidence if e["met"])
        scores.append(
            {
                "expectation": "rumours_corrected",
                "label": _("Each planted rumour answered with the approved correction"),
                "score": kept / len(evidence) if evidence else 1.0,
                "met": kept == len(evidence),
                "evidence": evidence,
                "note": "",
            }
        )

    if expect.cadence_minutes is not None:
        limit = expect.cadence_minutes
        updates = _updates(exercise, end)
        end_minute = _minute(exercise, end)
        evidence = []
        if updates:
            marks = [u["minute"] for u in updates] + [end_minute]
            for before, after in zip(marks, marks[1:], strict=False):
                evidence.append(
                    {
                        "from": before,
                        "to": after,
                        "gap": round(after - before, 1),
                        "met": after - before <= limit,
                    }
                )
        kept = sum(1 for e in evidence if e["met"])
        scores.append(
            {
                "expectation": "cadence",
                "label": _("An update at least every %(n)s minutes") % {"n": f"{limit:g}"},
                "score": kept / len(evidence) if evidence else 0.0,
                "met": bool(evidence) and kept == len(evidence),
                "evidence": [*updates, *evidence],
                "note": "" if updates else _("No update was sent."),
            }
        )

    overall = round(100 * sum(s["score"] for s in scores) / len(scores)) if scores else 0
    return {"overall": overall, "scores": scores, "ended_minute": _minute(exercise, end)}
