from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from berdaya.registry.selectors import vulnerability_by_district
from berdaya.registry.vulnerability import FLAGS

from . import disclosure
from .scoping import people_for_aggregates


@login_required
def dashboard(request):
    rows = vulnerability_by_district(people=people_for_aggregates(request.user))
    totals = {key: sum(row[key] for row in rows) for key in ["total", "female", *[f.code for f in FLAGS]]}
    return render(
        request,
        "core/dashboard.html",
        {"rows": rows, "totals": totals, "flags": FLAGS, "disclosure": disclosure.for_aggregates(request.user)},
    )


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    # The public learns only that the service and its database answer, not which engine runs behind it.
    return JsonResponse({"status": "ok", "database": "ok"})
