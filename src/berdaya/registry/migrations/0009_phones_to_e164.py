"""Phone numbers stored as typed (08..., 628..., with spaces or dashes) before every path stored E.164: normalised
in one UPDATE per form, on SQLite and PostgreSQL alike (core/phone.py is the rule: an Indonesian mobile number, 8 to
12 digits after the 8). Deduplication compares phone numbers, so one number must be one string.

A number the rule refuses is left as it is and counted: the count goes to the audit log (event
"phones_normalised") for an officer to look at. Change-history rows keep what was stored at the time."""

from django.db import migrations

# The separators core.phone.SEPARATORS drops: a space, a dash, a dot, brackets (and a tab).
SEPARATORS = (" ", "-", ".", "(", ")", "\t")


def _cleaned(column: str) -> str:
    expr = column
    for ch in SEPARATORS:
        expr = f"replace({expr}, '{ch}', '')"
    return expr


def _digits(expr: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"{expr} ~ '^[0-9]+$'"
    return f"({expr} <> '' AND {expr} NOT GLOB '*[^0-9]*')"


def _statements(vendor: str) -> list[str]:
    """(trunk written, how many characters it takes): 0 -> +62, 62 -> +62, +62 kept. The subscriber number is
    8 followed by 7 to 11 digits: 8 to 12 characters after the trunk."""
    v = _cleaned("phone")
    out = []
    for trunk in ("+62", "62", "0"):
        rest = f"substr({v}, {len(trunk) + 1})"
        out.append(
            f"UPDATE registry_person SET phone = '+62' || {rest} "  # noqa: S608 (constants only)
            f"WHERE phone <> '' AND substr({v}, 1, {len(trunk) + 1}) = '{trunk}8' AND phone <> '+62' || {rest} "
            f"AND length({rest}) BETWEEN 8 AND 12 AND {_digits(rest, vendor)}"
        )
    return out


def _left_sql(vendor: str) -> str:
    rest = "substr(phone, 4)"
    return (
        "SELECT COUNT(*) FROM registry_person WHERE phone <> '' AND NOT (phone LIKE '+628%' "  # noqa: S608
        f"AND length({rest}) BETWEEN 8 AND 12 AND {_digits(rest, vendor)})"
    )


def forward(apps, schema_editor):
    connection = schema_editor.connection
    vendor = connection.vendor
    changed = 0
    with connection.cursor() as cur:
        for sql in _statements(vendor):
            cur.execute(sql)
            changed += max(cur.rowcount, 0)
        cur.execute(_left_sql(vendor))
        (left,) = cur.fetchone()
    if changed or left:
        apps.get_model("core", "AuditEvent").objects.create(
            action="event",
            object_type="registry.person",
            detail={"event": "phones_normalised", "normalised": changed, "left_as_they_are": left},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("registry", "0008_distinct_confirmation"),
    ]

    # Backwards: the numbers stay in the stored form (it is what every path writes now).
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
