from django.db import migrations


def install(apps, schema_editor):
    from berdaya.imports import dtks

    dtks.install(apps.get_model("imports", "ColumnMapping"))


class Migration(migrations.Migration):
    dependencies = [("imports", "0002_mapping_organisation_and_values")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
