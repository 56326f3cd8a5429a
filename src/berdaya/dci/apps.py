from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DciConfig(AppConfig):
    name = "berdaya.dci"
    label = "dci"
    verbose_name = _("Antarmuka SPDCI")

    def ready(self) -> None:
        # Registry changes wake the subscription scan (after commit, once per transaction); see notify.py.
        from . import notify

        notify.connect()
