from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "berdaya.registry"
    label = "registry"
    verbose_name = _("Registri")

    def ready(self) -> None:
        # The registry's own vulnerability flags; the apps that own other data add theirs from their ready().
        from . import flags, matching  # matching registers the exact rules as the built-in match provider

        flags.register_flags()
        # Merging two records of one person; the apps above add handlers for their own tables.
        from . import merge

        merge.register()
        assert "exact" in matching.providers()
        # The regency-wide counts of the home page and the regency profile, refreshed by the scheduled job.
        from berdaya.core import snapshots

        from . import selectors

        snapshots.register("registry.vulnerability", selectors.vulnerability_refresh)
