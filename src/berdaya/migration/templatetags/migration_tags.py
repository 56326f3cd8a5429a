from __future__ import annotations

from django import template

from berdaya.core.access import capabilities
from berdaya.core.compiled import CompiledQuery

from .. import selectors
from ..access import cases_readable_by, is_case_worker
from ..models import MigrationEpisode

register = template.Library()

# selectors.episodes_of, compiled once (core.compiled): every person page renders the panel.
_EPISODES = CompiledQuery(
    lambda person: (
        MigrationEpisode.objects.filter(person=person).select_related("family_contact").order_by("-created_at", "-id")
    ),
    person=int,
)


@register.simple_tag(takes_context=True)
def migration_unread(context) -> int:
    """Unread notifications of the signed-in user, for the badge in the menu (one indexed count)."""
    request = context.get("request")
    return selectors.unread_count(getattr(request, "user", None))


@register.inclusion_tag("migration/_person_panel_inner.html", takes_context=True)
def migration_person_panel(context, person) -> dict:
    """The migration section of the registry's person page. The page already checked the person is visible; case
    rows are listed only when the user may read them, so the section never reveals a case to anyone else."""
    request = context["request"]
    user = request.user
    caps = capabilities(user)
    episodes = _EPISODES(person=person.pk)
    readable = []
    if caps.is_admin or is_case_worker(user):
        readable = list(
            selectors.with_due(cases_readable_by(user).filter(person=person)).only(
                "id", "complaint_type", "stage", "priority", "stage_entered_on", "received_on"
            )
        )
    return {
        "person": person,
        "episodes": episodes,
        "cases": readable,
        "can_edit": caps.edits_registry and person.status != "deceased",
        "can_intake": caps.edits_registry or is_case_worker(user),
        "caps": caps,
    }
