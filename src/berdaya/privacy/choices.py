from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    """The rights a data subject exercises (UU 27/2022 art. 5-13)."""

    ACCESS = "access", _("Akses dan salinan data")
    CORRECTION = "correction", _("Pembetulan data")
    ERASURE = "erasure", _("Penghapusan data")
    WITHDRAWAL = "withdrawal", _("Penarikan persetujuan")
    OBJECTION = "objection", _("Keberatan atas keputusan otomatis")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Datang langsung")
    LETTER = "letter", _("Surat")
    PHONE = "phone", _("Telepon")
    EMAIL = "email", _("Surel")
    MESSAGE = "message", _("SMS/WhatsApp")
    FACILITATOR = "facilitator", _("Melalui pendamping")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Diterima")
    IN_PROGRESS = "in_progress", _("Sedang diproses")
    DONE = "done", _("Selesai")
    REFUSED = "refused", _("Ditolak (dengan alasan)")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Sedang ditangani")
    CLOSED = "closed", _("Selesai")


class RetentionKind(models.TextChoices):
    """Kinds of record with a retention period (RetentionPeriod; defaults in retention.py)."""

    IMPORT_FILES = "import_files", _("Berkas impor dan berkas kesalahan impor")
    ODK_PAYLOADS = "odk_payloads", _("Isian kiriman ODK yang sudah masuk registri")
    DCI_ANSWERS = "dci_answers", _("Jawaban SPDCI dan isi callback yang tersimpan")
    AUDIT_EVENTS = "audit_events", _("Jejak audit")
    CLOSED_REQUESTS = "closed_requests", _("Permintaan subjek data yang selesai")
    CLOSED_BREACHES = "closed_breaches", _("Catatan insiden kebocoran yang selesai")
