from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Village
from .selectors import default_regency, districts_in_use


@login_required
def district_list(request):
    return render(
        request,
        "areas/district_list.html",
        {"regency": default_regency(), "districts": districts_in_use().select_related("regency")},
    )


@login_required
def village_options(request):
    """<option>s of a district's villages, for the dependent select in filters (htmx)."""
    district = request.GET.get("district", "")
    villages = Village.objects.filter(district_id=district).order_by("name") if district else Village.objects.none()
    return render(request, "areas/_village_options.html", {"villages": villages})
