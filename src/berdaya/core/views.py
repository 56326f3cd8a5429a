from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from berdaya.registry.access import people_for_aggregates
from berdaya.registry.selectors import vulnerability_by_district
from berdaya.registry.vulnerability import FLAGS

from . import disclosure


@login_required
def dashboard(request):
    rows = vulnerability_by_district(people=people_for_aggregates(request.user))
    columns = ["total", "female", *[f.code for f in FLAGS]]
    totals = {key: sum(row[key] for row in rows) for key in columns}
    for row in rows:
        row["not_female"] = row["total"] - row["female"]
    shown = disclosure.for_aggregates(request.user)
    # Women are shown beside the total: the men (total minus women) must not give a small count either.
    shown.protect_table(rows, columns, row_sums=[("total", ["female", "not_female"])], totals=totals)
    return render(
        request,
        "core/dashboard.html",
        {"rows": rows, "totals": totals, "flags": FLAGS, "disclosure": shown},
    )


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    # The public learns only that the service and its database answer, not which engine runs behind it.
    return JsonResponse({"status": "ok", "database": "ok"})
