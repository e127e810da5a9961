# The content types of Person and PersonGroup follow the models from core to people, so their permissions
# (add/change/delete/view_person…) keep their rows and every group or user holding them keeps them, now as
# people.add_person and so on. On a fresh database there is nothing to move (content types are created after
# migrate). Reversible: the backward step moves them back to core.

from django.db import migrations

MODELS = ("person", "persongroup")


def move(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue  # already created for the new label (e.g. a migrate interrupted after post_migrate)
        ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    move(apps, schema_editor, "core", "people")


def backwards(apps, schema_editor):
    move(apps, schema_editor, "people", "core")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
