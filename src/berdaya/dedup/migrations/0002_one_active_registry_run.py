from django.db import migrations, models


def fail_extra_active_runs(apps, schema_editor):
    """Before the constraint: of the registry runs still queued or running (two clicks before this release), all but
    the newest are marked failed, so the constraint can be added."""
    DedupRun = apps.get_model("dedup", "DedupRun")
    active = DedupRun.objects.filter(scope="registry", status__in=["queued", "running"]).order_by("-created_at", "-id")
    newest = active.first()
    if newest is not None:
        active.exclude(pk=newest.pk).update(status="failed", error="Dihentikan: proses lain sudah menunggu atau berjalan.")


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fail_extra_active_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deduprun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("scope", "registry"), ("status__in", ["queued", "running"])),
                fields=("scope",),
                name="dedup_one_active_registry_run",
            ),
        ),
    ]
