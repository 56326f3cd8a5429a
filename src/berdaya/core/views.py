from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    # The public learns only that the service and its database answer, not which engine runs behind it.
    return JsonResponse({"status": "ok", "database": "ok"})
