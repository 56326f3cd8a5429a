"""The language a machine client asks for (the REST API, the SPDCI interfaces): the first supported language of its
Accept-Language header, Bahasa Indonesia when it asks for none we speak. Pages follow the user's own choice
(LocaleMiddleware and the language switcher); clients without a session say it in each request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header


def language_of(request: Any) -> str:
    """The first supported language of Accept-Language; Bahasa Indonesia when none is asked for or supported."""
    supported = {code for code, _name in settings.LANGUAGES}
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return str(settings.LANGUAGE_CODE)
