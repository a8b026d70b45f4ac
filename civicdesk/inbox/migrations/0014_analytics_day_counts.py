"""Analytics' day counts of messages (by language, kind and urgency), counted once from the
messages already there and then kept by triggers; and the index of conversations begun."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from civicdesk.inbox import counters


def count_and_install(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Count what is already there, then let the triggers keep the counts."""
    conn = schema_editor.connection
    day = "date(sent_at)" if conn.vendor == "sqlite" else "(sent_at AT TIME ZONE 'UTC')::date"
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inbox_messageday"
            " (channel_id, day, language, category, urgency, received)"
            f" SELECT channel_id, {day}, language, category, urgency, COUNT(*)"
            " FROM inbox_inboundmessage"
            f" GROUP BY channel_id, {day}, language, category, urgency"
        )
    counters.install_triggers(conn)


def remove(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    counters.remove_day_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0013_message_channel_sent"),
        ("organizations", "0007_bilingual_post"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("language", models.CharField(blank=True, max_length=8)),
                ("category", models.CharField(blank=True, max_length=20)),
                ("urgency", models.CharField(blank=True, max_length=10)),
                ("received", models.IntegerField(default=0)),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organizations.channel",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("channel", "day", "language", "category", "urgency"),
                        name="message_day_unique",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["channel", "created_at"], name="conversation_channel_begun"),
        ),
        migrations.RunPython(count_and_install, remove),
    ]
