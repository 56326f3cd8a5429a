from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
