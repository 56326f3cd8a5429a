"""API tokens: how a partner's system, a national registry client or a script signs in to the REST API and the
SPDCI interfaces.

A token is shown once, when it is made; only its SHA-256 hash is stored (the secret is 32 random bytes, so a plain
hash is enough: nothing to guess by brute force, and checking it costs one index lookup by prefix and one hash).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """One token of one user: it acts as that user, with that user's role and scope, until revoked or expired."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nama"), max_length=100, help_text=_("Untuk apa token ini, mis. 'Sistem mitra X'."))
    # The token's first characters, stored in clear to find its row; the rest is known only by its hash.
    prefix = models.CharField(_("awalan"), max_length=16, unique=True)
    secret_hash = models.CharField(_("hash rahasia"), max_length=64)
    created = models.DateTimeField(_("dibuat"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    expires = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    # Origins ("http://host:port") to which the SPDCI interfaces may POST this client's asynchronous answers.
    callback_origins = models.JSONField(_("asal callback yang diizinkan"), default=list, blank=True)
    # Public keys the client signs its SPDCI messages with: [{key_id, algorithm, public_key (PEM)}] (core.keys).
    signing_keys = models.JSONField(_("kunci publik tanda tangan"), default=list, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active_at(self, when: object = None) -> bool:
        now = when or timezone.now()
        return self.revoked_at is None and (self.expires is None or self.expires > now)  # type: ignore[operator]

    @property
    def is_active(self) -> bool:
        return self.is_active_at()
