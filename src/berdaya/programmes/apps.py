from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "berdaya.programmes"
    label = "programmes"
    verbose_name = _("Program pemberdayaan")

    def ready(self) -> None:
        # Its section on the registry's person and household pages (the registry does not import programmes).
        from . import panels

        panels.register()
