"""The disability card (Kartu Penyandang Disabilitas, KPD) number check.

The official number format is not published consistently, so it is configurable: conf().kpd_pattern
(a regular expression, env BERDAYA_KPD_PATTERN, default 16 digits) and ["KPD_FORMAT_LABEL"] (how the format is
described in the error message, env BERDAYA_KPD_FORMAT_LABEL). Spaces, dots and dashes typed by the officer are
removed before the check when the pattern is digits only.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from berdaya.core.conf import conf


def _pattern() -> re.Pattern[str]:
    return re.compile(conf().kpd_pattern)


def normalise_kpd(value: str) -> str:
    value = (value or "").strip().upper()
    if re.fullmatch(r"[\d\s.\-]+", value):
        # Digits typed in groups ("1502 0123 ...") are the same number.
        return re.sub(r"[\s.\-]", "", value)
    return value


def kpd_error(value: str) -> str | None:
    """None when `value` (normalised) fits the configured format, else a clear Indonesian message."""
    if not value:
        return None
    if _pattern().fullmatch(value):
        return None
    return _("Nomor KPD tidak sesuai format: harus %(format)s.") % {"format": conf().kpd_format_label}
