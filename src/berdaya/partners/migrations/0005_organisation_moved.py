# Organisation moved to berdaya.organisations (see organisations 0001). State only: the partners tables point to
# partners_organisation, which is now that model's table. It runs after every app's foreign keys were retargeted,
# so nothing points to partners.Organisation when it leaves partners' state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_organisation_moved'),
        ('imports', '0004_organisation_moved'),
        ('markets', '0003_organisation_moved'),
        ('migration', '0004_organisation_moved'),
        ('organisations', '0001_initial'),
        ('partners', '0004_pemkab_label'),
        ('programmes', '0005_organisation_moved'),
        ('registry', '0005_organisation_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='commitment',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='organisations.organisation', verbose_name='organisasi'),
                ),
                migrations.AlterField(
                    model_name='agreement',
                    name='parties',
                    field=models.ManyToManyField(related_name='agreements', to='organisations.organisation', verbose_name='para pihak'),
                ),
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
        ),
    ]
