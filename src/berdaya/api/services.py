"""Making and revoking API tokens. The web page, the admin page and `berdaya api token` all call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.audit import audit
from berdaya.core.keys import signing_key_entry

from .access import can_manage_tokens_of
from .models import ApiToken
from .tokens import new_token, normalise_origin


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: `token` is the secret, shown once; only its hash is kept in `record`."""

    record: ApiToken
    token: str


def token_create(
    *,
    actor: User | None,
    user: User,
    name: str,
    expires: dt.datetime | None = None,
    callback_origins: list[str] | tuple[str, ...] = (),
    public_keys: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
) -> IssuedToken:
    """A new token for `user`. `actor` None is the console (`berdaya api token`), which may make one for anyone."""
    if actor is not None and not can_manage_tokens_of(actor, user):
        raise PermissionDenied(_("Anda hanya boleh membuat token untuk akun Anda sendiri."))
    if not user.is_active:
        raise ValidationError({"user": _("Pengguna ini tidak aktif.")})
    if expires is not None and expires <= timezone.now():
        raise ValidationError({"expires": _("Tanggal kedaluwarsa harus di masa depan.")})
    origins: list[str] = []
    for value in callback_origins:
        try:
            origin = normalise_origin(value)
        except ValidationError as exc:
            raise ValidationError({"callback_origins": exc.messages}) from exc
        if origin not in origins:
            origins.append(origin)
    keys: list[dict[str, str]] = []
    for key_id, pem in public_keys:
        try:
            entry = signing_key_entry(pem, key_id)
        except ValidationError as exc:
            raise ValidationError({"signing_keys": exc.messages}) from exc
        if any(k["key_id"] == entry["key_id"] for k in keys):
            raise ValidationError({"signing_keys": _("ID kunci %(id)s dipakai dua kali.") % {"id": entry["key_id"]}})
        keys.append(entry)
    token, prefix, secret_hash = new_token()
    record = ApiToken(
        user=user,
        name=(name or "").strip() or _("Token API"),
        prefix=prefix,
        secret_hash=secret_hash,
        created_by=actor,
        expires=expires,
        callback_origins=origins,
        signing_keys=keys,
    )
    record.full_clean()
    with transaction.atomic():
        record.save()
        audit(
            actor=actor,
            action="create",
            obj=record,
            event="api_token_create",
            user_id=user.pk,
            origins=len(origins),
            keys=len(keys),
        )
    return IssuedToken(record=record, token=token)


def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke `token` at once: every request made with it from now on is refused. Revoking twice changes nothing."""
    if actor is not None and not can_manage_tokens_of(actor, token.user):
        raise PermissionDenied(_("Anda hanya boleh mencabut token milik Anda sendiri."))
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit(actor=actor, action="update", obj=token, event="api_token_revoke", user_id=token.user_id)
    return token
