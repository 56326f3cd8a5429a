"""The household-facts view that rules join once (models.HouseholdFacts): living members per household and whether
one of them is a female head. The same SQL on PostgreSQL and SQLite."""

import django.db.models.deletion
from django.db import migrations, models

CREATE_VIEW = """
CREATE VIEW targeting_householdfacts AS
SELECT household_id,
       COUNT(*) AS size,
       MAX(CASE WHEN relationship = 'head' AND sex = 'F' THEN 1 ELSE 0 END) AS female_head
FROM registry_person
WHERE status = 'active'
GROUP BY household_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_one_head_local_dates"),
        ("targeting", "0002_default_score_config"),
    ]

    operations = [
        migrations.CreateModel(
            name="HouseholdFacts",
            fields=[
                (
                    "household",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="targeting_facts",
                        serialize=False,
                        to="registry.household",
                    ),
                ),
                ("size", models.IntegerField(verbose_name="anggota yang tinggal")),
                ("female_head", models.IntegerField(verbose_name="dikepalai perempuan")),
            ],
            options={
                "verbose_name": "fakta rumah tangga",
                "verbose_name_plural": "fakta rumah tangga",
                "db_table": "targeting_householdfacts",
                "managed": False,
            },
        ),
        migrations.RunSQL(CREATE_VIEW, "DROP VIEW IF EXISTS targeting_householdfacts"),
    ]
