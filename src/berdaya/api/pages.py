"""The token page: a user makes and revokes their own API tokens; an admin anyone's."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.forms import service_errors

from .access import get_token_or_404, tokens_visible_to, users_for_tokens
from .forms import TokenForm
from .services import token_create, token_revoke


@login_required
def token_list(request):
    users = users_for_tokens(request.user)
    form = TokenForm(request.POST or None, users=users)
    issued = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_days"]
        with service_errors(form, also=(PermissionDenied,)):
            issued = token_create(
                actor=request.user,
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                expires=timezone.now() + dt.timedelta(days=days) if days else None,
                callback_origins=form.origins(),
                public_keys=form.public_keys(),
            )
            form = TokenForm(users=users)
    tokens = tokens_visible_to(request.user).select_related("user")[:200]
    return render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "issued": issued, "now": timezone.now()},
    )


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = get_token_or_404(request.user, pk)
    with service_errors(request, also=(PermissionDenied,)):
        token_revoke(actor=request.user, token=token)
        messages.success(request, _("Token %(prefix)s dicabut.") % {"prefix": token.prefix})
    return redirect("api:tokens")
