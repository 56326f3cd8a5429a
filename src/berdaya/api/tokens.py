"""The token's shape, its hash, and the callback origins a token's client may receive answers at.

A token reads `bdy_<8 hex>_<43 url-safe characters>`: the 8 hex characters are its prefix (stored in clear, to
find the row), the whole string is hashed with SHA-256 and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TOKEN_START = "bdy_"  # noqa: S105 (the marker every token starts with, not a secret)
PREFIX_LENGTH = 8
_TOKEN_RE = re.compile(r"^bdy_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the token, its prefix, its hash). The token itself is shown once and never stored."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_token(raw: str) -> str | None:
    """The prefix of a well-formed token, None for anything else."""
    match = _TOKEN_RE.match(raw.strip())
    return match.group(1) if match else None


def hashes_match(token: str, stored: str) -> bool:
    return hmac.compare_digest(hash_token(token.strip()), stored)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str:
    """`value` as an origin "scheme://host:port" (the port written out), or ValidationError in Indonesian.

    Only an origin is allowed (no path, query, fragment or user name): a callback address is checked against it, so
    a token's client can never make Berdaya POST anywhere else."""
    text = (value or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(
            _("Alamat callback %(value)s tidak sah: port tidak valid."), params={"value": text}
        ) from exc
    if parts.scheme not in _DEFAULT_PORTS:
        raise ValidationError(
            _("Alamat callback %(value)s harus diawali http:// atau https://."), params={"value": text}
        )
    if not parts.hostname:
        raise ValidationError(_("Alamat callback %(value)s tidak menyebut host."), params={"value": text})
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(
            _("Alamat callback %(value)s hanya boleh berisi skema, host dan port (tanpa path)."),
            params={"value": text},
        )
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address is written in brackets in an origin
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port or _DEFAULT_PORTS[parts.scheme]}"


def origin_of(url: str) -> str | None:
    """The origin of a full callback URL (path allowed), normalised like `normalise_origin`; None if it has none."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port or _DEFAULT_PORTS[parts.scheme]}"
