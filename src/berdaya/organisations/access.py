"""Who may see and change which organisations, on the access kernel (berdaya.core.access).

The model lives in this app, below partners and the registry; the partner directory's pages stay in partners.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, organisation_scoped

from .models import Organisation


def sees_partner_directory(user: User) -> bool:
    """The list of every partner: the regency's own staff (officers, admins, facilitators)."""
    return capabilities(user).regency_staff


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """The partner directory: officers, admins and facilitators all organisations; partner staff their own only;
    viewers none (they read the 4W and gap aggregates)."""
    caps = capabilities(user)
    if sees_partner_directory(user):
        return Organisation.objects.all()
    if caps.organisation_scoped and user.organisation_id is not None:  # partner staff always have one
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def organisations_editable_by(user: User) -> QuerySet[Organisation]:
    """Officers and admins register and edit every organisation; partner staff keep their own contacts current."""
    return organisation_scoped(user, Organisation.objects.all(), lambda org: Q(pk=org))


def can_create_organisation(user: User) -> bool:
    """Officers and admins register partners (a disability organisation registered as a group included)."""
    return capabilities(user).regency_wide


def is_own_organisation(user: User, organisation: Organisation) -> bool:
    """`organisation` is the one `user` works for as partner staff."""
    return capabilities(user).organisation_scoped and organisation.pk == user.organisation_id
