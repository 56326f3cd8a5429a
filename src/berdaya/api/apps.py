from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "berdaya.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from berdaya.core.auth_hooks import register_bearer_authenticator

        from . import schema  # noqa: F401  (registers the bearer scheme with drf-spectacular)
        from .authentication import bearer_client

        # The SPDCI interfaces (berdaya.dci, a sibling that may not import this app) sign clients in through the hook.
        register_bearer_authenticator(bearer_client)
