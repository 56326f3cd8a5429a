"""What every demo command shares: none runs on the production profile."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class DemoCommand(BaseCommand):
    """A command that writes or shows demo data. The demo logins have published passwords (printed, documented):
    they must never reach a production database, so the refusal is here, once, before any subclass runs."""

    production_refusal = "Data demo tidak boleh dibuat pada profil production (BERDAYA_PROFILE=production)."

    def execute(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(self.production_refusal)
        return super().execute(*args, **options)
