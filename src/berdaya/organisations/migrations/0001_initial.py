# The Organisation model moved here from partners (issue #16: organisations sit below the registry in the layers).
# Its table keeps its name (partners_organisation, and partners_organisation_districts for its districts): this
# migration only tells Django's state that the model is now organisations.Organisation. No data moves, no table is
# rebuilt. The foreign keys pointing to it are retargeted, state only, by one migration in each app that has one;
# partners 0005 then removes the model from partners' state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Permissions and admin log entries hang on the content type: it moves with the model."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="partners", model="organisation").update(app_label="organisations")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="organisations", model="organisation").update(app_label="partners")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('areas', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('partners', '0004_pemkab_label'),
        ('registry', '0004_leaner_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True, verbose_name='nama')),
                        ('short_name', models.CharField(blank=True, max_length=40, verbose_name='singkatan')),
                        ('kind', models.CharField(choices=[('government', 'Perangkat daerah (OPD)'), ('ngo', 'LSM / organisasi nonpemerintah'), ('company', 'Perusahaan swasta'), ('cooperative', 'Koperasi / BUMDes'), ('university', 'Perguruan tinggi'), ('disability_org', 'Organisasi penyandang disabilitas'), ('community', 'Organisasi keagamaan / kemasyarakatan'), ('financial', 'Lembaga keuangan')], max_length=20, verbose_name='jenis')),
                        ('is_active', models.BooleanField(default=True, verbose_name='aktif')),
                        ('phone', models.CharField(blank=True, max_length=30, verbose_name='telepon')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='surel')),
                        ('address', models.CharField(blank=True, max_length=300, verbose_name='alamat')),
                        ('legal_registration', models.CharField(blank=True, help_text='Mis. nomor SK AHU (yayasan/perkumpulan), NIB (perusahaan, koperasi) atau nomor Perda/SOTK (OPD).', max_length=100, verbose_name='nomor badan hukum')),
                        ('focal_name', models.CharField(blank=True, max_length=150, verbose_name='narahubung')),
                        ('focal_contact', models.CharField(blank=True, max_length=150, verbose_name='kontak narahubung (HP / surel)')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='dibuat')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='diubah')),
                        ('districts', models.ManyToManyField(blank=True, related_name='+', to='areas.district', verbose_name='kecamatan tempat aktif')),
                        ('focal_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='narahubung (pengguna Berdaya)')),
                        ('group', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='organisation', to='registry.group', verbose_name='kelompok di registri')),
                    ],
                    options={
                        'verbose_name': 'organisasi',
                        'verbose_name_plural': 'organisasi',
                        'db_table': 'partners_organisation',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('group__isnull', True), ('kind', 'disability_org'), _connector='OR'), name='organisation_group_is_disability_org', violation_error_message='Hanya organisasi penyandang disabilitas yang dapat dihubungkan ke kelompok.')],
                    },
                ),
            ],
            database_operations=[
                migrations.RunPython(move_content_type, move_content_type_back),
            ],
        ),
    ]
