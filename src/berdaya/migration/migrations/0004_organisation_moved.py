# Organisation moved to berdaya.organisations (see organisations 0001) and kept its table: the foreign keys are
# retargeted in Django's state only. The database already points to partners_organisation; nothing changes there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('migration', '0003_case_assignment_log'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicalrightscase',
                    name='reporter_organisation',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisations.organisation', verbose_name='organisasi pelapor'),
                ),
                migrations.AlterField(
                    model_name='rightscase',
                    name='reporter_organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='organisasi pelapor'),
                ),
            ],
        ),
    ]
