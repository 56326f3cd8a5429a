"""Who may see and change which organisations.

NOTE for the merge (issue #16): these rules were moved here from core/scoping.py while h/access moved the other
partner rules into partners/access.py. Keep these three here (the model lives in this app, below partners) and
drop any copy left in core/scoping.py or partners/access.py; build them on the kernel's named role sets once those
exist in core.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from berdaya.core.scoping import Role, _organisation_scoped, capabilities

from .models import Organisation


def organisations_visible_to(user) -> QuerySet:
    """The partner directory: officers, admins and facilitators all organisations; partner staff their own only;
    viewers none (they read the 4W and gap aggregates)."""
    caps = capabilities(user)
    if caps.role in {Role.ADMIN, Role.OFFICER, Role.FACILITATOR}:
        return Organisation.objects.all()
    if caps.role == Role.PARTNER:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def organisations_editable_by(user) -> QuerySet:
    """Officers and admins register and edit every organisation; partner staff keep their own contacts current."""
    return _organisation_scoped(user, Organisation.objects.all(), lambda org: Q(pk=org))


def can_create_organisation(user) -> bool:
    return capabilities(user).role in {Role.ADMIN, Role.OFFICER}
