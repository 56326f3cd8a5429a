"""Berdaya's own settings, typed: `conf().page_size` instead of `settings.BERDAYA.get("PAGE_SIZE", 25)`.

The values and their defaults are set once, in settings.BERDAYA (from BERDAYA_* environment variables). This module
gives them types and one spelling, and refuses an unknown or missing key at the first read, so a typo in a setting
fails loudly instead of silently falling back to a default written at a call site. It is rebuilt when a test changes
settings.BERDAYA (Django's setting_changed signal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@dataclass(frozen=True)
class BerdayaSettings:
    default_regency: str
    regencies: tuple[str, ...]
    import_exclusive_load: bool
    smallholder_max_ha: Decimal
    gurem_max_ha: Decimal
    elderly_age: int
    child_age: int
    poor_max_decile: int
    poverty_line: int
    page_size: int
    gap_rows: int
    case_sla_days: dict[str, int]
    case_document_max_mb: int
    kpd_pattern: str
    kpd_format_label: str
    double_dip_window_days: int
    upload_max_mb: int
    trusted_proxies: int
    login_address_limit: int
    price_outlier_ratio: float
    price_outlier_mad_k: float
    price_outlier_weeks: int
    price_outlier_min_n: int
    price_alert_pct: float
    premium_reference_price_type: str
    transport_rp_per_km_kg: float
    public_price_cache_seconds: int
    public_transparency_cache_seconds: int
    sms_sender: str
    sms_gateway_url: str
    sms_gateway_token: str
    sms_gateway_sender_id: str
    sms_gateway_format: str
    sms_gateway_timeout_seconds: float
    sms_callback_secret: str
    sms_stop_reply: bool
    outbox_max_attempts: int
    outbox_retry_base_seconds: int
    dedup_threshold: float
    dedup_memory_limit: str
    dedup_chunks: int
    dedup_review_threshold: float
    grievance_sla_days: dict[str, int]
    grievance_inbound_token: str
    grievance_public_per_hour: int
    grievance_form_min_seconds: int
    dci_receiver_id: str
    dci_max_page_size: int
    dci_callback_max_attempts: int
    dci_callback_retry_base_seconds: int
    dci_callback_timeout_seconds: int
    dci_signature_policy: str
    dci_signing_key_file: str
    dci_signing_key_id: str

    @property
    def deployment_regencies(self) -> list[str]:
        """The regencies whose villages this deployment registers: REGENCIES, else the default regency."""
        return list(self.regencies) or [self.default_regency]

    @property
    def upload_max_bytes(self) -> int:
        return self.upload_max_mb * 1024 * 1024

    @property
    def case_document_max_bytes(self) -> int:
        return self.case_document_max_mb * 1024 * 1024


# How each raw value becomes its typed form (anything not listed is taken as it is).
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "default_regency": str,
    "regencies": lambda v: tuple(str(x) for x in (v or [])),
    "import_exclusive_load": bool,
    "sms_stop_reply": bool,
    "smallholder_max_ha": lambda v: Decimal(str(v)),
    "gurem_max_ha": lambda v: Decimal(str(v)),
    "case_sla_days": dict,
    "grievance_sla_days": dict,
    "dedup_memory_limit": lambda v: _memory(str(v), "DEDUP_MEMORY_LIMIT"),
    "dci_signature_policy": lambda v: _one_of(str(v).strip().lower(), ("optional", "required"), "DCI_SIGNATURE_POLICY"),
}


def _memory(value: str, name: str) -> str:
    """An amount of memory as DuckDB reads it: a number and a unit (500MB, 2GB, 1.5GiB)."""
    import re

    value = value.strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, flags=re.IGNORECASE):
        raise ValueError(f"settings.BERDAYA[{name!r}] must be an amount such as 2GB or 500MB, not {value!r}")
    return value


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"settings.BERDAYA[{name!r}] must be one of {allowed}, not {value!r}")
    return value


@cache
def conf() -> BerdayaSettings:
    raw = {key.lower(): value for key, value in settings.BERDAYA.items()}
    names = {f.name for f in fields(BerdayaSettings)}
    unknown = sorted(set(raw) - names)
    missing = sorted(names - set(raw))
    if unknown or missing:
        raise ValueError(
            f"settings.BERDAYA: unknown keys {[k.upper() for k in unknown]}, missing keys {[k.upper() for k in missing]}"
        )
    typed: dict[str, Any] = {}
    for f in fields(BerdayaSettings):
        value = raw[f.name]
        convert = _CONVERT.get(f.name)
        if convert is not None:
            value = convert(value)
        elif f.type in ("int", "float"):
            value = {"int": int, "float": float}[f.type](value)
        typed[f.name] = value
    return BerdayaSettings(**typed)


@receiver(setting_changed)
def _reset(sender: object, setting: str, **kwargs: object) -> None:
    if setting == "BERDAYA":
        conf.cache_clear()
