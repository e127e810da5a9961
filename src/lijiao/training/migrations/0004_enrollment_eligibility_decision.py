# Enrollment.eligibility (a JSON copy of the decision on every row) becomes Enrollment.eligibility_decision, a
# foreign key to a shared core.DecisionRecord (one row per distinct decision). The data step moves every non-empty
# JSON value into DecisionRecord, deduplicated by the same digest as lijiao.core.decisions (copied here: a
# migration does not import app code), and points the enrollments at it; the reverse copies the records back.

import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

CHUNK = 500


def canonical_json(record):
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def decision_digest(record):
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def _chunks(items):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def move_to_records(apps, schema_editor):
    Enrollment = apps.get_model("training", "Enrollment")
    DecisionRecord = apps.get_model("core", "DecisionRecord")
    db = schema_editor.connection.alias
    canonical = {}  # digest -> canonical JSON
    enrollments = {}  # digest -> enrollment ids
    rows = Enrollment.objects.using(db).values_list("pk", "eligibility").order_by("pk")
    for pk, value in rows.iterator(chunk_size=2000):
        if not value:
            continue
        text = canonical_json(value)
        digest = hashlib.sha256(text.encode()).hexdigest()
        canonical.setdefault(digest, text)
        enrollments.setdefault(digest, []).append(pk)
    if not canonical:
        return
    digests = list(canonical)
    ids = {}
    for chunk in _chunks(digests):
        ids.update(DecisionRecord.objects.using(db).filter(digest__in=chunk).values_list("digest", "pk"))
    DecisionRecord.objects.using(db).bulk_create(
        [DecisionRecord(digest=d, record=json.loads(canonical[d])) for d in digests if d not in ids],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    for chunk in _chunks([d for d in digests if d not in ids]):
        ids.update(DecisionRecord.objects.using(db).filter(digest__in=chunk).values_list("digest", "pk"))
    for digest, pks in enrollments.items():
        for chunk in _chunks(pks):
            Enrollment.objects.using(db).filter(pk__in=chunk).update(eligibility_decision_id=ids[digest])


def copy_back(apps, schema_editor):
    Enrollment = apps.get_model("training", "Enrollment")
    DecisionRecord = apps.get_model("core", "DecisionRecord")
    db = schema_editor.connection.alias
    used = (
        Enrollment.objects.using(db)
        .filter(eligibility_decision__isnull=False)
        .values_list("eligibility_decision_id", flat=True)
        .distinct()
    )
    for decision in DecisionRecord.objects.using(db).filter(pk__in=used).iterator(chunk_size=CHUNK):
        Enrollment.objects.using(db).filter(eligibility_decision_id=decision.pk).update(eligibility=decision.record)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_decisionrecord'),
        ('training', '0003_enrollment_class_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrollment',
            name='eligibility_decision',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.decisionrecord', verbose_name='资格审核结果'),
        ),
        migrations.RunPython(move_to_records, copy_back, elidable=True),
        migrations.RemoveField(
            model_name='enrollment',
            name='eligibility',
        ),
    ]
