# Organisation moved to berdaya.organisations (see organisations 0001) and kept its table: the foreign keys are
# retargeted in Django's state only. The database already points to partners_organisation; nothing changes there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
        ('registry', '0004_leaner_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicalhousehold',
                    name='registered_by_organisation',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisations.organisation', verbose_name='didaftarkan oleh organisasi'),
                ),
                migrations.AlterField(
                    model_name='household',
                    name='registered_by_organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='didaftarkan oleh organisasi'),
                ),
            ],
        ),
    ]
