from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketsConfig(AppConfig):
    name = "berdaya.markets"
    label = "markets"
    verbose_name = _("Harga dan pasar")

    def ready(self) -> None:
        from berdaya.jobs import schedule

        schedule.register(
            schedule.Scheduled(
                key="markets.weekly",
                title=_("Buletin harga mingguan"),
                handler="berdaya.markets.services.weekly_job",
                cron="0 6 * * 1",
                description=_("Buletin minggu lalu, peringatan perubahan harga, dan antrean pesan ke pelanggan."),
            )
        )
        schedule.register(
            schedule.Scheduled(
                key="markets.outbox",
                title=_("Kirim kotak keluar"),
                handler="berdaya.markets.services.outbox_job",
                cron="*/5 * * * *",
                description=_("Pesan SMS/WhatsApp yang sudah waktunya dikirim; yang gagal dicoba ulang."),
            )
        )
