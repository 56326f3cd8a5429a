from __future__ import annotations

from django import template

from berdaya.core.access import capabilities
from berdaya.core.compiled import CompiledQuery

from .. import choices as c
from ..forms import DeviceNeedForm
from ..models import AssistiveDevice, DisabilityProfile
from ..selectors import DOMAINS, support_needs_of

register = template.Library()

# The panel's reads, compiled once (core.compiled): every person page renders the panel.
_PROFILE = CompiledQuery(lambda person: DisabilityProfile.objects.filter(person=person).order_by("pk")[:1], person=int)
_DEVICES = CompiledQuery(lambda person: AssistiveDevice.objects.filter(person=person), person=int)


@register.inclusion_tag("inclusion/_person_panel_inner.html", takes_context=True)
def inclusion_person_panel(context, person) -> dict:
    """The disability section of the registry's person page, shown for a person at the WG-SS cut-off or with a
    recorded profile. The page already checked that the person is visible."""
    caps = capabilities(context["request"].user)
    profile = next(iter(_PROFILE(person=person.pk)), None)
    domains = [str(label) for _key, field, label in DOMAINS if (getattr(person, field) or 0) >= 3]
    needs = support_needs_of(person, profile)
    return {
        "person": person,
        "show": bool(profile or domains),
        "profile": profile,
        "domains": domains,
        "need_labels": [str(c.SupportNeed(n).label) for n in c.SupportNeed.values if n in needs],
        "inferred": profile is None and bool(needs),
        "devices": _DEVICES(person=person.pk),
        "device_form": DeviceNeedForm(),
        "can_edit": caps.edits_registry and person.status != "deceased",
        "caps": caps,
    }
