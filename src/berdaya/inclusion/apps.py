from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "berdaya.inclusion"
    label = "inclusion"
    verbose_name = _("Inklusi disabilitas")

    def ready(self) -> None:
        # A recorded disability profile is the other half of the disability flag (the registry's is WG-SS).
        from . import flags

        flags.register_flags()
