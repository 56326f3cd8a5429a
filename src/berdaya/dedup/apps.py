from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "berdaya.dedup"
    label = "dedup"
    verbose_name = _("Deduplikasi dan pencocokan data")

    def ready(self) -> None:
        # Merging two records of one person: pairs, decisions and keys stay with the alias.
        from . import merge

        merge.register()
