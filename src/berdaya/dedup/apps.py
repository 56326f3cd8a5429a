from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "berdaya.dedup"
    label = "dedup"
    verbose_name = _("Deduplikasi dan pencocokan data")

    def ready(self) -> None:
        # Merging two records of one person: pairs, decisions and keys stay with the alias.
        from . import merge

        merge.register()
        # The engine joins the registry's checks before saving (forms, imports) and remembers the officers'
        # "bukan orang yang sama" (registry.matching; the registry does not import dedup).
        from berdaya.registry.matching import (
            register_batch_provider,
            register_distinct_listener,
            register_match_provider,
        )

        from . import intake

        register_match_provider("dedup", intake.form_provider)
        register_batch_provider("dedup", intake.batch_provider)
        register_distinct_listener("dedup", intake.remember_different)
        # A run whose worker died is marked failed (or recognised as finished) when the worker restarts.
        from berdaya.jobs.services import job_abandoned

        from .services import recover_run

        job_abandoned.connect(recover_run, dispatch_uid="dedup.recover_run")
