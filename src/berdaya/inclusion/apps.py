from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from berdaya.programmes.accessibility import register_needs_source
from berdaya.registry.panels import PERSON, register_panel


class InclusionConfig(AppConfig):
    name = "berdaya.inclusion"
    label = "inclusion"
    verbose_name = _("Inklusi disabilitas")

    def ready(self) -> None:
        # Inclusion adds itself to the apps below it, which do not import it: its section on the registry's person
        # page and the support needs programmes checks sessions against. Selectors load models: only once the apps
        # are ready.
        from . import selectors

        register_panel(PERSON, "inclusion", template="inclusion/_person_panel.html", order=20)
        register_needs_source(features_needed=selectors.session_features_needed, feature_label=selectors.feature_label)
        # A recorded disability profile is the other half of the disability flag (the registry's is WG-SS).
        from . import flags

        flags.register_flags()
        # Merging two records of one person: one disability profile, support needs of both.
        from . import merge

        merge.register()
        # The page's counts per district over the whole regency, refreshed by the scheduled job (core.snapshots).
        from berdaya.core import snapshots

        snapshots.register("inclusion.by_district", selectors.disability_refresh)
