# Organisation moved to berdaya.organisations (see organisations 0001) and kept its table: the foreign keys are
# retargeted in Django's state only. The database already points to partners_organisation; nothing changes there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0003_dtks_mapping'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='columnmapping',
                    name='organisation',
                    field=models.ForeignKey(blank=True, help_text='kosong = pemetaan bersama, hanya diubah petugas dinas atau admin', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisations.organisation', verbose_name='organisasi'),
                ),
            ],
        ),
    ]
