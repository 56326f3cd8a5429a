"""`berdaya api token USERNAME [--name ...] [--callback http://HOST:PORT ...] [--public-key [ID=]FILE ...]
[--expires-days N]`: print a new token;
`berdaya api revoke PREFIX`: revoke one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.api.models import ApiToken
from berdaya.api.services import token_create, token_revoke


class Command(BaseCommand):
    help = (
        "Token API. Contoh: berdaya api token budi --name 'Sistem mitra' --callback http://10.0.0.5:8080 "
        "(mencetak token baru; token hanya tampil sekali); berdaya api revoke 1a2b3c4d"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="buat token baru untuk seorang pengguna dan cetak tokennya")
        token.add_argument("username")
        token.add_argument("--name", default="", help="untuk apa token ini (bawaan: 'Token API')")
        token.add_argument(
            "--callback",
            action="append",
            default=[],
            dest="callbacks",
            help="asal (http[s]://HOST:PORT, tanpa path) yang boleh menerima callback SPDCI; bisa diulang",
        )
        token.add_argument(
            "--public-key",
            action="append",
            default=[],
            dest="public_keys",
            metavar="[ID=]FILE",
            help="berkas PEM kunci publik (Ed25519/RSA) yang dipakai klien menandatangani pesan SPDCI; ID kunci "
            "bawaan: nama berkas tanpa akhiran; bisa diulang",
        )
        token.add_argument("--expires-days", type=int, default=None, help="kedaluwarsa setelah N hari")
        revoke = sub.add_parser("revoke", help="cabut token menurut awalannya (8 karakter setelah bdy_)")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        if action == "revoke":
            record = ApiToken.objects.select_related("user").filter(prefix=options["prefix"]).first()
            if record is None:
                raise CommandError(f"Tidak ada token dengan awalan {options['prefix']}.")
            token_revoke(actor=None, token=record)
            self.stdout.write(f"Token {record.prefix} milik {record.user.username} dicabut.")
            return
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"Pengguna {options['username']} tidak ada.") from exc
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days harus 1 atau lebih.")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        keys = []
        for value in options["public_keys"]:
            key_id, _sep, path = value.rpartition("=")
            try:
                keys.append((key_id or Path(path).stem, Path(path).read_text()))
            except OSError as exc:
                raise CommandError(f"Berkas kunci {path} tidak terbaca: {exc.strerror}.") from exc
        try:
            issued = token_create(
                actor=None,
                user=user,
                name=options["name"],
                expires=expires,
                callback_origins=options["callbacks"],
                public_keys=keys,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        # Only the token on stdout, so a script can capture it: `TOKEN=$(berdaya api token budi)`.
        self.stdout.write(issued.token)
        self.stderr.write(
            f"Token {issued.record.prefix} untuk {user.username} dibuat. Simpan sekarang: token tidak akan "
            "ditampilkan lagi."
        )
