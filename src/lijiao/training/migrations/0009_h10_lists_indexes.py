"""Class list indexes (ADR 0014): the list's ordering ``(-start_date, -id)``, alone and behind the filters scoped
users always apply (provider, handling area, status); on PostgreSQL also trigram indexes for ``?q=``.

The trigram part runs only on PostgreSQL (``CREATE EXTENSION IF NOT EXISTS pg_trgm`` needs no superuser once the
extension is installed, and is trusted since PostgreSQL 13); the indexes are on ``UPPER(column::text)``, the
expression Django's ``icontains`` compiles to on PostgreSQL, so ``?q=`` uses them. SQLite keeps a ``LIKE`` scan.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "training_class_name_trgm": "name",
    "training_class_code_trgm": "code",
}


def create_trigram_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("training", "TrainingClass")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} "
            f"USING gin (UPPER({schema_editor.quote_name(column)}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0008_h9_people_programs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="trainingclass",
            index=models.Index(fields=["-start_date", "-id"], name="training_class_newest"),
        ),
        migrations.AddIndex(
            model_name="trainingclass",
            index=models.Index(fields=["provider", "-start_date", "-id"], name="training_class_provider_newest"),
        ),
        migrations.AddIndex(
            model_name="trainingclass",
            index=models.Index(fields=["handling_area", "-start_date", "-id"], name="training_class_area_newest"),
        ),
        migrations.AddIndex(
            model_name="trainingclass",
            index=models.Index(fields=["status", "-start_date", "-id"], name="training_class_status_newest"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
