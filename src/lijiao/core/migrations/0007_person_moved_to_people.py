# Person and PersonGroup now belong to the people app (people 0001, which took them over with their tables) and
# every foreign key to them names people.Person (training 0005): core forgets them. State only; no table changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_decisionrecord'),
        ('people', '0001_initial'),
        ('training', '0005_person_in_people'),
    ]

    state_operations = [
        migrations.DeleteModel(name='PersonGroup'),
        migrations.DeleteModel(name='Person'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
