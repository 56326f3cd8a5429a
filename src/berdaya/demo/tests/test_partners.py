"""`berdaya demo_partners`: about 15 organisations of every kind, agreements, commitments partly delivered."""

from __future__ import annotations

from django.core.management import call_command

from berdaya.organisations.models import Organisation
from berdaya.partners.models import Agreement, Commitment, Contribution
from berdaya.partners.selectors import agreement_reminders, commitment_progress
from berdaya.testing import factories as f


def test_it_builds_partners_over_the_programme_demo(officer, media):
    for i in range(80):
        f.person(name=f"Warga Demo {i}", hh=f.household(village=["15.02.01.2001", "15.02.02.2004"][i % 2]))
    call_command("demo_programmes", seed=2, if_empty=True)
    call_command("demo_partners", seed=2, if_empty=True)

    assert Organisation.objects.count() >= 15
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    assert set(Agreement.objects.values_list("status", flat=True)) == {"draft", "signed", "active", "ended"}
    reminders = agreement_reminders(actor=officer)
    assert len(reminders) >= 3 and any(a.left < 0 for a in reminders)
    percents = [p.percent for p in commitment_progress(list(Commitment.objects.all()), actor=officer)]
    assert any(0 < x < 100 for x in percents)
    for model in (Organisation, Agreement, Commitment, Contribution):
        for row in model.objects.all():
            row.full_clean()
    assert all(a.end_date >= a.start_date for a in Agreement.objects.all())
    assert Agreement.objects.filter(documents__isnull=False).exists()

    count = Agreement.objects.count()
    call_command("demo_partners", seed=2, if_empty=True)
    assert Agreement.objects.count() == count
