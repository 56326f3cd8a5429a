from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "berdaya.programmes"
    label = "programmes"
    verbose_name = _("Program pemberdayaan")

    def ready(self) -> None:
        # Partner staff see the households of their programmes' participants: the registry sits below programmes,
        # so programmes adds that reach to the registry's access rules.
        from . import access

        access.register()
