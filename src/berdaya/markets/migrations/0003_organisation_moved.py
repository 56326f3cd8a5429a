# Organisation moved to berdaya.organisations (see organisations 0001) and kept its table: the foreign keys are
# retargeted in Django's state only. The database already points to partners_organisation; nothing changes there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('markets', '0002_seed_commodities'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='buyer',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation', verbose_name='organisasi mitra'),
                ),
                migrations.AlterField(
                    model_name='pricepoint',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation', verbose_name='organisasi'),
                ),
            ],
        ),
    ]
