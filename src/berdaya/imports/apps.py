from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "berdaya.imports"
    label = "imports"
    verbose_name = _("Impor dan ekspor")

    def ready(self) -> None:
        from berdaya.dedup.hooks import register_import_scope
        from berdaya.jobs.services import job_abandoned

        from .services import recover_import

        job_abandoned.connect(recover_import, dispatch_uid="imports.recover_import")
        # dedup (below imports) runs over one import's people, and waits for a writing import before it reads.
        register_import_scope(people=_import_people, lock=_write_lock)


def _import_people(import_id: int) -> list[int]:
    """The people an import wrote or changed: created or updated between its start and its commit (the import
    holds the registry's write lock in between, so other writers are only single form saves)."""
    from berdaya.registry.models import Person

    from .models import ImportRun

    run = ImportRun.objects.select_related("job").filter(pk=import_id, status=ImportRun.Status.IMPORTED).first()
    if run is None or run.committed_at is None:
        return []
    start = (run.job.started_at if run.job and run.job.started_at else None) or run.created_at
    return list(
        Person.objects.filter(updated_at__gte=start, updated_at__lte=run.committed_at).values_list("id", flat=True)
    )


def _write_lock(on_wait):
    """The lock writing imports take (transport.Transport.lock): PostgreSQL's advisory lock, SQLite's file lock.
    Neither implementation uses its transport's state, so it is called unbound."""
    from django.db import connection

    from .transport import PostgresTransport, SqliteTransport

    kind = PostgresTransport if connection.vendor == "postgresql" else SqliteTransport
    return kind.lock(None, on_wait)  # type: ignore[arg-type]
