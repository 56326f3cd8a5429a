from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "berdaya.outcomes"
    label = "outcomes"
    verbose_name = _("Survei hasil, dampak dan graduasi")

    def ready(self) -> None:
        from . import panels

        panels.register()
