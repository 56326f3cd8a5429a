"""Who may see, make and revoke which API tokens: a user their own, an admin anyone's."""

from __future__ import annotations

from django.db.models import QuerySet

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404

from .models import ApiToken


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    caps = capabilities(user)
    if not caps.authenticated:
        return ApiToken.objects.none()
    qs = ApiToken.objects.select_related("user")
    return qs if caps.is_admin else qs.filter(user=user)


def get_token_or_404(user: User, pk: int | str) -> ApiToken:
    return get_visible_or_404(tokens_visible_to(user), pk)


def can_manage_tokens_of(user: User, owner: User) -> bool:
    """A user makes tokens for themself; an admin for anyone."""
    caps = capabilities(user)
    return caps.authenticated and (caps.is_admin or user.pk == owner.pk)


def users_for_tokens(user: User) -> QuerySet[User]:
    """Whose tokens `user` may make: themself, or every active user for an admin."""
    if capabilities(user).is_admin:
        return User.objects.filter(is_active=True).order_by("username")
    return User.objects.filter(pk=user.pk)
