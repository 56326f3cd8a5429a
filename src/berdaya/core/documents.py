"""Uploaded documents (agreements, case files): PDF, image or office document, checked by extension AND content,
within a size limit (conf().upload_max_mb unless the caller gives another). Checking the bytes as well
as the name stops, e.g., an executable or an HTML page renamed to .pdf. One place for every app that takes files."""

from __future__ import annotations

import os
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.conf import conf

_PDF = "pdf"
_JPEG = "jpeg"
_PNG = "png"
_WEBP = "webp"
_OLE = "ole"  # .doc, .xls, .ppt (Compound File Binary)
_OOXML = "ooxml"  # .docx, .xlsx, .pptx (a zip with [Content_Types].xml)
_ODF = "odf"  # .odt, .ods, .odp (a zip whose first entry is "mimetype")

# Extension -> (content type served back, content family).
ALLOWED: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", _PDF),
    ".jpg": ("image/jpeg", _JPEG),
    ".jpeg": ("image/jpeg", _JPEG),
    ".png": ("image/png", _PNG),
    ".webp": ("image/webp", _WEBP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _OOXML),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OOXML),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _OOXML),
    ".odt": ("application/vnd.oasis.opendocument.text", _ODF),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ODF),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ODF),
}
ACCEPT = ",".join(ALLOWED)


def max_upload_bytes() -> int:
    return conf().upload_max_bytes


def _looks_like(family: str, head: bytes, upload: UploadedFile) -> bool:
    if family == _PDF:
        return head.startswith(b"%PDF-")
    if family == _JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if family == _PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if family == _WEBP:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if family == _OLE:
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if not head.startswith(b"PK\x03\x04"):
        return False
    # Office Open XML and OpenDocument files are zips: look inside, so that any zip renamed .docx is refused.
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if family == _OOXML:
                return "[Content_Types].xml" in names
            return bool(names) and names[0] == "mimetype"
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def check_document(upload: UploadedFile, *, max_bytes: int | None = None) -> str:
    """The content type of an acceptable upload, or a ValidationError in Bahasa Indonesia that names the rule
    (never the file name)."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError(
            {
                "file": _(
                    "Jenis berkas tidak diterima. Gunakan PDF, gambar (JPG/PNG/WEBP) atau dokumen kantor "
                    "(DOC/DOCX, XLS/XLSX, PPT/PPTX, ODT/ODS/ODP)."
                )
            }
        )
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("Berkas terlalu besar: paling besar %(mb)s MB.") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("Berkas kosong.")})
    content_type, family = ALLOWED[suffix]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _looks_like(family, head, upload):
        raise ValidationError(
            {"file": _("Isi berkas tidak sesuai dengan jenisnya (%(ext)s). Unggah berkas aslinya.") % {"ext": suffix}}
        )
    return content_type


class Document(Protocol):
    """A row whose file is its `file` field (a rights case's document, an agreement's document)."""

    @property
    def file(self) -> FieldFile: ...
    def full_clean(self, exclude: list[str]) -> None: ...
    def save(self) -> None: ...


def store_document(document: Document, upload: UploadedFile) -> None:
    """Save an uploaded file with its row, or neither: the stored file goes when the row does not make it."""
    document.file.save(Path(upload.name or "berkas").name, upload, save=False)
    try:
        document.full_clean(exclude=["file"])
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise


class PrivateStorage(FileSystemStorage):
    """A folder with no URL: its files are served only by a login-protected, scoped and audited view
    (`document_response`). The folder is read from settings on use, so a test (or a moved data directory) takes
    effect. `root` gives the parent folder (MEDIA_ROOT unless said otherwise)."""

    def __init__(self, folder: str, root: Callable[[], str | Path] = lambda: settings.MEDIA_ROOT) -> None:
        super().__init__()
        self.folder = folder
        self.root = root

    @property
    def base_location(self) -> str:
        return str(Path(self.root()) / self.folder)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


def random_upload_name(filename: str) -> str:
    """Where an upload is stored: a random name under the month, keeping only the extension (an uploaded name may
    hold a signatory's or a migrant worker's name, or a passport number)."""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


def document_response(file: FieldFile, content_type: str, name: str) -> FileResponse:
    """Serve a stored document as an attachment under a neutral `name` (its extension added), never cached."""
    extension = file.name.rsplit(".", 1)[-1] if file.name and "." in file.name else "bin"
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("Berkas tidak ditemukan di server.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=f"{name}.{extension}", content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
