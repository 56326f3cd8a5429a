from collections.abc import Callable
from typing import Any, ClassVar

import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class LanguageMiddleware:
    """Bahasa Indonesia unless the user chose otherwise (language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: many officers' browsers are set
    to English, and the interface must still open in Bahasa Indonesia.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user may carry personal data (a list, a form, an export): no browser or proxy
    may keep a copy, so a shared office computer does not show the last officer's pages through its cache or the
    back button after logout. Anonymous pages (login, public prices) keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # A view that already forbids storing (a private document download) keeps its own header.
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the headers of the settings' own policy built once: a response with no nonce
    and no policy of its own (every API answer, most pages) gets exactly the header django-csp would write, without
    copying and joining the whole policy twice per response (about 3 % of an API request's CPU). Anything else
    (a nonce, a view's csp_update/csp_replace/config, an exemption) goes through django-csp as it is. The policies
    are built again when a setting changes (tests)."""

    _PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )
    _built: ClassVar[dict[bool, tuple[str, tuple[str, ...]]]] = {}

    @classmethod
    def _policy(cls, report_only: bool) -> tuple[str, tuple[str, ...]]:
        built = cls._built.get(report_only)
        if built is None:
            setting = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
            policy = getattr(settings, setting, None) or {}
            prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
            built = cls._built[report_only] = (csp.utils.build_policy(report_only=report_only), prefixes)
        return built

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self._PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for report_only, header in ((False, csp.constants.HEADER), (True, csp.constants.HEADER_REPORT_ONLY)):
            policy, prefixes = self._policy(report_only)
            if policy and header not in response and not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@receiver(setting_changed)
def _csp_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._built.clear()
