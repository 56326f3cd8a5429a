from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MusdesConfig(AppConfig):
    name = "berdaya.musdes"
    label = "musdes"
    verbose_name = _("Musyawarah desa")

    def ready(self) -> None:
        # A meeting's decision is about the record on that meeting's list (its minutes name it): in a merge it stays
        # with the alias, which still resolves to the survivor.
        from berdaya.registry.merge import keep_with_alias, register_merge_handler

        register_merge_handler("musdes.MeetingDecision", "person", keep_with_alias)
