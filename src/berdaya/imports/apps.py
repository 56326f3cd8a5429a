from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "berdaya.imports"
    label = "imports"
    verbose_name = _("Impor dan ekspor")

    def ready(self) -> None:
        from berdaya.jobs.services import job_abandoned

        from .services import recover_import

        job_abandoned.connect(recover_import, dispatch_uid="imports.recover_import")
