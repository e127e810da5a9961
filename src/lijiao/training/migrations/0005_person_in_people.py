# Person moved from core to people (people 0001): the foreign keys now name people.Person. State only: the
# table they point at (core_person) and their database constraints are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0001_initial'),
        ('training', '0004_enrollment_eligibility_decision'),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='enrollment',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='people.person', verbose_name='学员'),
        ),
        migrations.AlterField(
            model_name='checkin',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='checkins', to='people.person', verbose_name='学员'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
