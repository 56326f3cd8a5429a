"""Message signatures of the SPDCI envelope (`signature`, the spec's MsgSignature): "Signature of {header}+{message}
body verified using sender's signing public key", written the way the spec's example shows:

    Signature: namespace="spdci", kidId="{sender_id}|{unique_key_id}|{algorithm}", algorithm="ed25519",
    created="1606970629", expires="1607030629", headers="(created) (expires) digest", signature="Base64(...)"

The spec names the parts but not the bytes signed, so Berdaya fixes them (docs/dci.md, the same scheme as the Beckn
protocol the example comes from):

    (created): 1606970629
    (expires): 1607030629
    digest: BLAKE-512=<base64 of BLAKE2b-512 of the canonical JSON of {"header": ..., "message": ...}>

lines joined by "\\n"; canonical JSON is the two parts (the message left out when the body has none) with keys
sorted, no spaces and UTF-8 text (`json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)`).
A digest written "SHA-256=" is accepted too. Algorithms: `ed25519` (Ed25519) and `rsa-sha256` (RSASSA-PKCS1-v1_5
with SHA-256, keys of 2048 bits or more).

Requests: each client (API token) registers its public keys; `BERDAYA_DCI_SIGNATURE_POLICY` says whether a
signature is `required` (missing: err.signature.missing) or `optional` (a signature given is still checked: a bad
one is err.signature.invalid). Answers and callbacks: signed with Berdaya's private key when
`BERDAYA_DCI_SIGNING_KEY_FILE` names one; its kidId is "{receiver_id}|{BERDAYA_DCI_SIGNING_KEY_ID}|{algorithm}".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from django.utils.translation import gettext as _

from berdaya.core.auth_hooks import BearerClient
from berdaya.core.conf import conf
from berdaya.core.keys import PrivateKey, algorithm_of, load_public_key

ALGORITHMS = ("ed25519", "rsa-sha256")
HEADERS = "(created) (expires) digest"
DIGESTS = ("BLAKE-512", "SHA-256")
POLICIES = ("optional", "required")
# Clocks of two systems differ: a signature made this far in the future, or expired this long ago, still counts.
SKEW_SECONDS = 300
# Berdaya's own signatures are valid this long (a callback retried later is signed again when it is sent).
LIFETIME_SECONDS = 3600
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """A request's signature refused: `code` is err.signature.missing or err.signature.invalid."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ClientKey:
    """One public key a client signs with."""

    key_id: str
    algorithm: str
    public_key: str  # PEM

    @classmethod
    def of(cls, client: BearerClient) -> tuple[ClientKey, ...]:
        return tuple(cls(*entry) for entry in client.signing_keys)


# --- keys ---------------------------------------------------------------------------------------------------------


@cache
def _private_key(path: str) -> PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{path}: only Ed25519 or RSA private keys sign SPDCI messages")
    return key


def signing_key() -> PrivateKey | None:
    """Berdaya's private key (BERDAYA_DCI_SIGNING_KEY_FILE), or None when answers go unsigned."""
    path = conf().dci_signing_key_file
    return _private_key(path) if path else None


# --- the bytes signed ---------------------------------------------------------------------------------------------


def canonical(body: dict[str, Any]) -> bytes:
    parts = {k: body[k] for k in ("header", "message") if k in body}
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(body: dict[str, Any], name: str = "BLAKE-512") -> str:
    data = canonical(body)
    raw = hashlib.blake2b(data, digest_size=64).digest() if name == "BLAKE-512" else hashlib.sha256(data).digest()
    return f"{name}={base64.b64encode(raw).decode()}"


def signing_string(created: str, expires: str, digest_value: str) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest_value}".encode()


# --- signing ------------------------------------------------------------------------------------------------------


def sign(body: dict[str, Any], key: PrivateKey, *, sender_id: str, key_id: str, now: float | None = None) -> str:
    """The `signature` value of `body` signed with `key`."""
    created = int(now if now is not None else time.time())
    expires = created + LIFETIME_SECONDS
    algorithm = algorithm_of(key)
    data = signing_string(str(created), str(expires), digest(body))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(data)
    else:
        raw = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return (
        f'Signature: namespace="spdci", kidId="{sender_id}|{key_id}|{algorithm}", algorithm="{algorithm}", '
        f'created="{created}", expires="{expires}", headers="{HEADERS}", '
        f'signature="{base64.b64encode(raw).decode()}"'
    )


def signed(body: dict[str, Any]) -> dict[str, Any]:
    """`body` (an answer or a callback with a header) with Berdaya's signature first, when a key is configured."""
    key = signing_key()
    if key is None or "header" not in body:
        return body
    settings = conf()
    signature = sign(body, key, sender_id=settings.dci_receiver_id, key_id=settings.dci_signing_key_id)
    return {"signature": signature, **{k: v for k, v in body.items() if k != "signature"}}


# --- verifying ----------------------------------------------------------------------------------------------------


def parse_signature(value: str) -> dict[str, str]:
    """The parameters of a signature value (the leading "Signature:" optional), or SignatureError."""
    text = value.strip()
    if text[:10].lower() == "signature:":
        text = text[10:]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            raise SignatureError("err.signature.invalid", _("Tanda tangan tidak terbaca (bentuk parameter salah)."))
        params[match.group(1)] = match.group(2)
        pos = match.end()
    return params


def verify(body: dict[str, Any], keys: tuple[ClientKey, ...] | list[ClientKey], *, now: float | None = None) -> str:
    """Check the signature of a request `body` against its client's keys, by the policy; returns the key id that
    signed it ("" when unsigned and the policy allows it), or SignatureError."""
    value = body.get("signature")
    if not isinstance(value, str) or not value.strip():
        if conf().dci_signature_policy == "required":
            raise SignatureError(
                "err.signature.missing", _("Permintaan wajib ditandatangani (signature) dengan kunci klien.")
            )
        return ""
    params = parse_signature(value)
    kid = params.get("kidId") or params.get("keyId") or ""
    missing = [p for p in ("algorithm", "created", "expires", "headers", "signature") if not params.get(p)]
    if not kid or missing:
        raise SignatureError(
            "err.signature.invalid",
            _("Tanda tangan tidak lengkap: %(parts)s.")
            % {"parts": ", ".join((["kidId"] if not kid else []) + missing)},
        )
    sender, _sep, rest = kid.partition("|")
    key_id, _sep2, kid_algorithm = rest.partition("|")
    header = body.get("header")
    if not isinstance(header, dict) or sender != str(header.get("sender_id") or ""):
        raise SignatureError("err.signature.invalid", _("kidId tidak menyebut pengirim header.sender_id."))
    algorithm = params["algorithm"].lower()
    if algorithm not in ALGORITHMS or (kid_algorithm and kid_algorithm.lower() != algorithm):
        raise SignatureError(
            "err.signature.invalid",
            _("Algoritma tanda tangan harus salah satu dari: %(algs)s.") % {"algs": ", ".join(ALGORITHMS)},
        )
    if " ".join(params["headers"].split()) != HEADERS:
        raise SignatureError("err.signature.invalid", _('headers tanda tangan harus "%(h)s".') % {"h": HEADERS})
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None or key.algorithm != algorithm:
        raise SignatureError(
            "err.signature.invalid", _("Kunci '%(id)s' tidak terdaftar untuk token ini.") % {"id": key_id[:40]}
        )
    try:
        created, expires = int(params["created"]), int(params["expires"])
    except ValueError:
        raise SignatureError("err.signature.invalid", _("created dan expires harus detik Unix.")) from None
    moment = time.time() if now is None else now
    if created > moment + SKEW_SECONDS or expires < moment - SKEW_SECONDS or expires <= created:
        raise SignatureError("err.signature.invalid", _("Tanda tangan kedaluwarsa atau belum berlaku."))
    try:
        raw = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("err.signature.invalid", _("Nilai signature bukan Base64.")) from None
    data = [signing_string(params["created"], params["expires"], digest(body, name)) for name in DIGESTS]
    public = load_public_key(key.public_key)
    for candidate in data:
        try:
            if isinstance(public, ed25519.Ed25519PublicKey):
                public.verify(raw, candidate)
            else:
                public.verify(raw, candidate, padding.PKCS1v15(), hashes.SHA256())
            return key.key_id
        except InvalidSignature:
            continue
    raise SignatureError("err.signature.invalid", _("Tanda tangan tidak cocok dengan isi pesan."))
