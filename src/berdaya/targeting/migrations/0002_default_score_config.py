"""Version 1 of the welfare-score weights: the default set shipped in targeting/data/score_weights.json."""

import json
from pathlib import Path

from django.db import migrations

WEIGHTS = Path(__file__).resolve().parent.parent / "data" / "score_weights.json"


def create(apps, schema_editor):
    ScoreConfig = apps.get_model("targeting", "ScoreConfig")
    if not ScoreConfig.objects.exists():
        ScoreConfig.objects.create(
            version=1,
            weights=json.loads(WEIGHTS.read_text(encoding="utf-8")),
            note="Bobot bawaan (docs/welfare-score.md)",
            active=True,
        )


def remove(apps, schema_editor):
    apps.get_model("targeting", "ScoreConfig").objects.filter(version=1, created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("targeting", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
