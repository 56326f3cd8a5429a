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
        # Partner staff see the households of their programmes' participants: the registry sits below programmes,
        # so programmes adds that reach to the registry's access rules.
        from . import access

        access.register()
        # Merging two records of one person: one enrolment per programme, one attendance per session.
        from . import merge

        merge.register()
