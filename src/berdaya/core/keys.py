"""Public keys a client signs its messages with (the SPDCI interfaces: berdaya.dci.signatures). The token app stores
them and the interface checks signatures with them; the rule of which keys are acceptable lives here, once."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RSA_MIN_BITS = 2048
KEY_ID_MAX = 40

PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def algorithm_of(key: PublicKey | PrivateKey) -> str:
    """The algorithm's name in a signature: ed25519, or rsa-sha256 (RSASSA-PKCS1-v1_5 with SHA-256)."""
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "ed25519"
    return "rsa-sha256"


def load_public_key(pem: str | bytes) -> PublicKey:
    """A client's public key from PEM, or ValidationError (not a key, another kind of key, RSA too short)."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ValidationError(_("Kunci publik tidak terbaca; kirim kunci publik dalam format PEM.")) from None
    if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise ValidationError(_("Hanya kunci Ed25519 atau RSA yang didukung."))
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < RSA_MIN_BITS:
        raise ValidationError(_("Kunci RSA paling sedikit %(bits)s bit.") % {"bits": RSA_MIN_BITS})
    return key


def signing_key_entry(pem: str | bytes, key_id: str) -> dict[str, str]:
    """A key as a token stores it ({key_id, algorithm, public_key}), checked."""
    key_id = (key_id or "").strip()
    if not key_id or len(key_id) > KEY_ID_MAX or "|" in key_id or '"' in key_id:
        raise ValidationError(
            _("ID kunci wajib diisi, paling banyak %(n)s karakter, tanpa '|' atau tanda petik.") % {"n": KEY_ID_MAX}
        )
    key = load_public_key(pem)
    text = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"key_id": key_id, "algorithm": algorithm_of(key), "public_key": text}
