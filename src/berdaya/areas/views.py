from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from berdaya.core.access import capabilities
from berdaya.registry.access import households_visible_to

from .models import District, Village
from .selectors import default_regency, districts_in_use


@login_required
def district_list(request):
    return render(
        request,
        "areas/district_list.html",
        {"regency": default_regency(), "districts": districts_in_use().select_related("regency")},
    )


@login_required
def district_detail(request, code: str):
    district = get_object_or_404(District.objects.select_related("regency"), code=code)
    villages = Village.objects.filter(district=district).order_by("code")
    if capabilities(request.user).sees_people:
        visible = households_visible_to(request.user).values("pk")
        # Not named "households": that is the reverse relation from Household.village, and Django refuses an
        # annotation that shadows a relation.
        villages = villages.annotate(household_count=Count("households", filter=Q(households__in=visible)))
    return render(request, "areas/district_detail.html", {"district": district, "villages": villages})


@login_required
def village_options(request):
    """<option>s of a district's villages, for the dependent select in filters (htmx)."""
    district = request.GET.get("district", "")
    villages = Village.objects.filter(district_id=district).order_by("name") if district else Village.objects.none()
    return render(request, "areas/_village_options.html", {"villages": villages})
