"""SPDCI (Digital Convergence Initiative) exchanges: every request a client sent, every answer Berdaya POSTed back
(with each attempt), and the subscriptions to registry changes.

A transaction row answers `txn/status`; a delivery row is what an admin reads to see whether a national system got
its answer, when, and why not."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Registry(models.TextChoices):
    SOCIAL = "social", _("Registri sosial")
    FARMER = "farmer", _("Registri petani")


def new_code() -> str:
    return uuid.uuid4().hex


class Transaction(models.Model):
    """One request (a message) of a client: search, subscribe, unsubscribe or a status query, sync or async."""

    class Status(models.TextChoices):
        # The SPDCI request states (UnSubscribeResponse.status): received, pending, success, rejected.
        RECEIVED = "rcvd", _("Diterima")
        PENDING = "pdng", _("Diproses")
        SUCCESS = "succ", _("Berhasil")
        REJECTED = "rjct", _("Ditolak")

    registry = models.CharField(_("registri"), max_length=10, choices=Registry.choices)
    action = models.CharField(_("aksi"), max_length=20)
    is_async = models.BooleanField(_("asinkron"), default=False)
    transaction_id = models.CharField(_("ID transaksi"), max_length=99)
    correlation_id = models.CharField(_("ID korelasi"), max_length=99, unique=True, default=new_code)
    message_id = models.CharField(_("ID pesan"), max_length=99)
    sender_id = models.CharField(_("ID pengirim"), max_length=99)
    client_id = models.CharField(_("klien (token)"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.PROTECT, related_name="+"
    )
    reference_ids = models.JSONField(_("ID referensi"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=4, choices=Status.choices, default=Status.RECEIVED)
    # The message part of the request and of the answer. Admin-only: they may hold identity numbers (a query by NIK).
    request = models.JSONField(_("permintaan"), default=dict, blank=True)
    response = models.JSONField(_("jawaban"), default=dict, blank=True)
    # Each request's state in the answer ({reference_id, status, status_reason_code}): no personal data, so it stays
    # when the answer is emptied at the end of its retention period and txn/status still tells each one's state.
    outcome = models.JSONField(_("status per permintaan"), default=list, blank=True)
    # The language the client asked for (Accept-Language): an asynchronous answer, built later by a background job,
    # gives its messages (status_reason_message) in it, as a synchronous one does.
    language = models.CharField(_("bahasa"), max_length=10, blank=True)
    # When the request came (set as the transaction is made: a synchronous search writes its row once, answered).
    created_at = models.DateTimeField(_("diterima"), default=timezone.now, editable=False)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    # When the answer was emptied by the retention purge (privacy.retention, "dci_answers").
    response_purged_at = models.DateTimeField(_("jawaban dihapus"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaksi SPDCI")
        verbose_name_plural = _("transaksi SPDCI")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A message id is used once per sender (rjct.message_id.duplicate).
            models.UniqueConstraint(fields=["registry", "sender_id", "message_id"], name="dci_message_once"),
        ]
        indexes = [
            models.Index(fields=["user", "transaction_id"], name="dci_txn_user_idx"),
            # The answers the retention purge has still to empty (the purged ones leave it).
            models.Index(
                fields=["answered_at"], name="dci_txn_unpurged_idx", condition=models.Q(response_purged_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registry} {self.action} {self.transaction_id}"


class Subscription(models.Model):
    """A client's subscription to registry events (REGISTER, UPDATE, DELETE, LINK, UNLINK) matching a filter."""

    class Status(models.TextChoices):
        SUBSCRIBED = "subscribe", _("Aktif")
        UNSUBSCRIBED = "unsubscribe", _("Berhenti")

    code = models.CharField(_("kode"), max_length=99, unique=True, default=new_code)
    registry = models.CharField(_("registri"), max_length=10, choices=Registry.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(_("klien (token)"), max_length=40, blank=True)
    sender_id = models.CharField(_("ID pengirim"), max_length=99)
    callback_url = models.URLField(_("alamat callback"), max_length=500)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="subscriptions")
    reference_id = models.CharField(_("ID referensi"), max_length=99)
    event_type = models.CharField(_("jenis peristiwa"), max_length=20)
    filter_type = models.CharField(_("jenis filter"), max_length=20)
    filter = models.JSONField(_("filter"), default=dict, blank=True)
    record_type = models.CharField(_("jenis rekaman"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=11, choices=Status.choices, default=Status.SUBSCRIBED)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    ended_at = models.DateTimeField(_("berhenti"), null=True, blank=True)

    class Meta:
        verbose_name = _("langganan SPDCI")
        verbose_name_plural = _("langganan SPDCI")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} ({self.event_type})"


class Delivery(models.Model):
    """One message Berdaya POSTs to a client (an answer to an async request, or a notification), with its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        DELIVERED = "delivered", _("Terkirim")
        FAILED = "failed", _("Gagal")
        REFUSED = "refused", _("Ditolak (alamat tidak diizinkan)")

    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    registry = models.CharField(_("registri"), max_length=10, choices=Registry.choices)
    action = models.CharField(_("aksi"), max_length=20)
    url = models.URLField(_("alamat"), max_length=500)
    payload = models.JSONField(_("isi"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"), null=True, blank=True)
    last_error = models.CharField(_("galat terakhir"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    # When the body was emptied by the retention purge (privacy.retention, "dci_answers"); never while pending.
    payload_purged_at = models.DateTimeField(_("isi dihapus"), null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman SPDCI")
        verbose_name_plural = _("pengiriman SPDCI")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="dci_delivery_due_idx"),
            models.Index(
                fields=["created_at"],
                name="dci_delivery_unpurged_idx",
                condition=models.Q(payload_purged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} → {self.url}"

    @property
    def seconds_to_deliver(self) -> float | None:
        if self.delivered_at is None:
            return None
        return (self.delivered_at - self.created_at).total_seconds()


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, the HTTP status or the error, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField(_("ke-"))
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    http_status = models.PositiveSmallIntegerField(_("status HTTP"), null=True, blank=True)
    error = models.CharField(_("galat"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("durasi (ms)"), default=0)

    class Meta:
        verbose_name = _("percobaan pengiriman")
        verbose_name_plural = _("percobaan pengiriman")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.http_status or self.error}"


class NotifyMark(models.Model):
    """How far the subscription scan has read each change-history table (the last history id it turned into
    events), so every change is notified once."""

    source = models.CharField(_("sumber"), max_length=60, unique=True)
    last_id = models.BigIntegerField(_("ID terakhir"), default=0)

    class Meta:
        verbose_name = _("penanda notifikasi")
        verbose_name_plural = _("penanda notifikasi")

    def __str__(self) -> str:
        return f"{self.source}: {self.last_id}"
