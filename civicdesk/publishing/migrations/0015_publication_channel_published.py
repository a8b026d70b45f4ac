from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0014_bilingual_post"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                fields=["channel", "published_at"], name="publication_channel_published"
            ),
        ),
    ]
