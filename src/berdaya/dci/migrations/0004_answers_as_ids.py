"""A transaction keeps the ids of the records it answered, not the records (dci.services._stored_form): the answers
stored before are rewritten so, each record replaced by the id in its "@id" (urn:berdaya:person:N, or
urn:berdaya:household:N for a Group); a txn/status answer's stored copy (the records of another transaction) is
emptied, as new ones are. Its own copy of the rule below, frozen as migrations are. Not reversible: the records
are built again from the registry by txn/status, which is the point."""

import re

from django.db import migrations

_URN_ID = re.compile(r"^urn:berdaya:(?:person|household):(\d+)$")


def _record_id(record):
    match = _URN_ID.match(record.get("@id", "")) if isinstance(record, dict) else None
    return int(match.group(1)) if match else None


def _stored_form(message):
    items = message.get("search_response") if isinstance(message, dict) else None
    if not isinstance(items, list):
        return message
    stored = []
    for item in items:
        data = item.get("data") if isinstance(item, dict) else None
        records = data.get("reg_records") if isinstance(data, dict) else None
        if isinstance(records, list):
            data = {**{k: v for k, v in data.items() if k != "reg_records"}, "record_ids": [_record_id(r) for r in records]}
            item = {**item, "data": data}
        stored.append(item)
    return {**message, "search_response": stored}


def forwards(apps, schema_editor):
    Transaction = apps.get_model("dci", "Transaction")
    kept = Transaction.objects.filter(status="succ", response_purged_at__isnull=True)
    kept.filter(action="txn-status").exclude(response={}).update(response={})
    changed = []
    for txn in kept.filter(action="search").only("pk", "response").iterator(chunk_size=200):
        stored = _stored_form(txn.response)
        if stored != txn.response:
            txn.response = stored
            changed.append(txn)
        if len(changed) >= 200:
            Transaction.objects.bulk_update(changed, ["response"])
            changed = []
    if changed:
        Transaction.objects.bulk_update(changed, ["response"])


class Migration(migrations.Migration):

    dependencies = [
        ("dci", "0003_retention"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
