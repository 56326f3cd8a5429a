from django.conf import settings

from .scoping import capabilities


def berdaya(request):
    user = getattr(request, "user", None)
    return {
        "caps": capabilities(user) if user is not None else None,
        "BERDAYA_REGENCY": settings.BERDAYA["DEFAULT_REGENCY"],
        "PRODUCTION": settings.PRODUCTION,
    }
