"""Streaming encryption of backup files: AES-256-GCM in 1 MiB chunks (the `cryptography` library's AEAD).

A backup can be many gigabytes, so it is sealed chunk by chunk instead of in one message held in memory. Each chunk
is authenticated together with its index and a last-chunk flag (as associated data), so a reordered, repeated or
truncated file is refused at restore, not silently restored in part. The key is 32 random bytes kept in a key file
(base64), apart from the backups: `berdaya backup --new-key FILE` makes one.
"""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"BERDAYA-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
_HEADER = struct.Struct(">QB")  # chunk index, last-chunk flag
_LENGTH = struct.Struct(">I")


class BackupKeyError(Exception):
    """The key is missing, malformed, or not the one the backup was sealed with."""


def new_key(path: Path) -> None:
    """Write a new random key file readable by its owner only; refuse to overwrite an existing key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode() + "\n")


def read_key(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise BackupKeyError(f"Kunci cadangan tidak dapat dibaca dari {path}: {exc}") from exc
    if len(key) != 32:
        raise BackupKeyError(f"Kunci cadangan di {path} bukan kunci AES-256 (harus 32 bita, base64).")
    return key


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def encrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    aead = AESGCM(key)
    target.write(MAGIC)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, chunk, _HEADER.pack(index, last))
        target.write(nonce + _LENGTH.pack(len(sealed)) + sealed)
        if last:
            return
        chunk, index = following, index + 1


def decrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupKeyError("Berkas ini bukan cadangan Berdaya yang terenkripsi.")
    aead = AESGCM(key)
    index = 0
    while True:
        head = source.read(12 + _LENGTH.size)
        if len(head) < 12 + _LENGTH.size:
            raise BackupKeyError("Berkas cadangan terpotong: bagian akhirnya hilang.")
        nonce, (length,) = head[:12], _LENGTH.unpack(head[12:])
        sealed = source.read(length)
        for last in (False, True):
            try:
                plain = aead.decrypt(nonce, sealed, _HEADER.pack(index, last))
            except InvalidTag:
                continue
            target.write(plain)
            if last:
                if source.read(1):
                    raise BackupKeyError("Berkas cadangan berisi data sesudah bagian terakhirnya.")
                return
            break
        else:
            raise BackupKeyError("Kunci salah, atau berkas cadangan rusak atau diubah.")
        index += 1
