from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "berdaya.core"
    label = "core"
    verbose_name = _("Inti")

    def ready(self) -> None:
        from . import i18n_tags

        i18n_tags.install()  # `{% translate %}` of a constant text kept per catalog
