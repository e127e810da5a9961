# The staff certificate list at city scale (ADR 0015, follow-up): holder name from its first character as an
# index range (varchar_pattern_ops on PostgreSQL; SQLite ignores the operator class) and the report-status filter
# in the list's order.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_verify_rate_limit_and_batches"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["holder_name"], name="certificates_cert_holder_nm", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(fields=["report_status", "-issued_on", "-id"], name="certificates_cert_rep_issued"),
        ),
    ]
