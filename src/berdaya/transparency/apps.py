from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "berdaya.transparency"
    label = "transparency"
    verbose_name = _("Transparansi publik")

    def ready(self) -> None:
        from . import builtin_sections  # noqa: F401  (registers the programme sections)
