# Organisation moved to berdaya.organisations (see organisations 0001) and kept its table: the foreign keys are
# retargeted in Django's state only. The database already points to partners_organisation; nothing changes there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
        ('programmes', '0004_history_date_unindexed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicalprogramme',
                    name='organiser',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organisations.organisation', verbose_name='penyelenggara'),
                ),
                migrations.AlterField(
                    model_name='programme',
                    name='funders',
                    field=models.ManyToManyField(blank=True, related_name='programmes_funded', to='organisations.organisation', verbose_name='penyandang dana'),
                ),
                migrations.AlterField(
                    model_name='programme',
                    name='organiser',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='programmes_organised', to='organisations.organisation', verbose_name='penyelenggara'),
                ),
            ],
        ),
    ]
