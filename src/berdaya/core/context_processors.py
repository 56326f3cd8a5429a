from typing import Any

from django.conf import settings
from django.http import HttpRequest

from berdaya.core.conf import conf

from .access import capabilities


def berdaya(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "caps": capabilities(user) if user is not None else None,
        "BERDAYA_REGENCY": conf().default_regency,
        "PRODUCTION": settings.PRODUCTION,
    }
