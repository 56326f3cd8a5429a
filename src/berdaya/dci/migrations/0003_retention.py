"""Retention of the SPDCI copies (privacy.retention, "dci_answers"): when a transaction's answer and a delivery's
body were emptied, each request's state kept apart from the answer (txn/status still tells it), and partial indexes
of the rows the purge has still to read. New nullable/defaulted columns: no rewrite of existing rows on PostgreSQL 11+.
Existing answers get an empty `outcome`; txn/status then falls back to the transaction's own status."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dci', '0002_transaction_lz4'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='payload_purged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='isi dihapus'),
        ),
        migrations.AddField(
            model_name='transaction',
            name='outcome',
            field=models.JSONField(blank=True, default=list, verbose_name='status per permintaan'),
        ),
        migrations.AddField(
            model_name='transaction',
            name='response_purged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='jawaban dihapus'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('payload_purged_at__isnull', True)), fields=['created_at'], name='dci_delivery_unpurged_idx'),
        ),
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(condition=models.Q(('response_purged_at__isnull', True)), fields=['answered_at'], name='dci_txn_unpurged_idx'),
        ),
    ]
