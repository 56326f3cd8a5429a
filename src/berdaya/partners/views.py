"""Partner pages. Minimal: making a disability-organisation group a programme organiser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.scoping import get_group_or_404

from . import services


@login_required
@require_POST
def organisation_from_group(request, group_pk: int):
    group = get_group_or_404(request.user, group_pk)
    try:
        organisation = services.organisation_from_group(actor=request.user, group=group)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s kini mitra penyelenggara: organisasi ini dapat dipilih sebagai penyelenggara program.")
            % {"name": organisation.name},
        )
    return redirect("registry:group_detail", pk=group.pk)
