from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "berdaya.grievances"
    label = "grievances"
    verbose_name = _("Pengaduan masyarakat")

    def ready(self) -> None:
        # Its section of the public transparency page (transparency does not import grievances).
        from berdaya.markets import inbound
        from berdaya.transparency.sections import Section, register

        from . import public, services

        # Inbound SMS/WhatsApp that is not a STOP/START is a grievance (markets does not import grievances).
        inbound.register(services.grievance_from_gateway)

        register(
            Section(
                key="grievances",
                title=_("Pengaduan diterima dan diselesaikan tepat waktu, per kategori"),
                order=30,
                rows=public.transparency_rows,
                columns=public.COLUMNS,
            )
        )
