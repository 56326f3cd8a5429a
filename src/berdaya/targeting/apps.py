from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetingConfig(AppConfig):
    name = "berdaya.targeting"
    label = "targeting"
    verbose_name = _("Penetapan sasaran")

    def ready(self) -> None:
        # The poverty flag: targeting owns the welfare deciles that decide it.
        from . import flags

        flags.register_flags()
        # Merging two records of one person: once per candidate list.
        from . import merge

        merge.register()

        from berdaya.registry.signals import households_changed

        households_changed.connect(_score_changed_households, dispatch_uid="targeting.score_changed_households")

        from berdaya.jobs.services import job_abandoned

        from .services import recover_run

        job_abandoned.connect(recover_run, dispatch_uid="targeting.recover_run")

        # The regency profile's deciles per district, refreshed by the scheduled job (core.snapshots).
        from berdaya.core import snapshots

        from .selectors import decile_refresh

        snapshots.register("targeting.deciles", decile_refresh)


def _score_changed_households(sender, household_ids, **kwargs) -> None:
    from .services import welfare_score_households

    welfare_score_households(household_ids)
