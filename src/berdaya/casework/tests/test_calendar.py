import datetime as dt

import pytest

from berdaya.casework.calendar import WorkingCalendar, working_calendar
from berdaya.casework.choices import SlaState
from berdaya.casework.models import Holiday
from berdaya.casework.sla import CALENDAR, WORKING, SlaPolicy

D = dt.date


def test_it_skips_weekends():
    cal = WorkingCalendar()
    friday = D(2026, 12, 4)
    assert cal.add(friday, 1) == D(2026, 12, 7)  # Monday
    assert cal.add(friday, 3) == D(2026, 12, 9)
    # Received on a Saturday: three working days are Monday, Tuesday, Wednesday.
    assert cal.add(D(2026, 12, 5), 3) == D(2026, 12, 9)
    assert cal.add(friday, 0) == friday
    assert cal.between(friday, D(2026, 12, 9)) == 3


def test_it_skips_holidays_and_joint_leave():
    # Natal 2026: cuti bersama Thursday 24, Christmas Friday 25, then the weekend.
    cal = WorkingCalendar([D(2026, 12, 24), D(2026, 12, 25)])
    assert cal.add(D(2026, 12, 23), 3) == D(2026, 12, 30)
    assert not cal.is_working_day(D(2026, 12, 25))
    assert cal.next_working_day(D(2026, 12, 24)) == D(2026, 12, 28)
    with pytest.raises(ValueError):
        cal.add(D(2026, 12, 23), -1)


@pytest.mark.django_db
def test_the_national_holidays_are_loaded_and_editable():
    # The data migration loads 2026 (SKB) and 2027; an administrator's new day counts at once.
    assert Holiday.objects.filter(date=D(2026, 3, 21), kind="national").exists()
    assert Holiday.objects.filter(date=D(2026, 3, 23), kind="joint_leave").exists()
    assert Holiday.objects.filter(date__year=2027).count() >= 15
    assert Holiday.objects.filter(date__year=2027, provisional=True).exists()
    # Idulfitri 2026: Friday 20 (cuti bersama) to Tuesday 24 closed; from Thursday 19 (Nyepi) too.
    cal = working_calendar(D(2026, 3, 18))
    assert cal.add(D(2026, 3, 17), 1) == D(2026, 3, 25)
    Holiday.objects.create(date=D(2026, 3, 25), name="Libur daerah", kind="regional")
    assert working_calendar(D(2026, 3, 18)).add(D(2026, 3, 17), 1) == D(2026, 3, 26)


def _policy(clock=WORKING):
    return SlaPolicy(days={"a": 3, "b": 5}, clock=clock, at_risk_days=1)


@pytest.mark.django_db
@pytest.mark.parametrize("clock", [WORKING, CALENDAR])
def test_the_sql_states_match_the_python_rule_across_weekends_and_holidays(clock):
    """Every entry date of six weeks around Christmas and New Year, each stage: the state computed in SQL (the
    cutoff Q) is the one the Python rule gives for that case."""
    from berdaya.casework.tests.models_for_tests import rows_with_states

    Holiday.objects.get_or_create(date=D(2026, 12, 24), defaults={"name": "Cuti bersama", "kind": "joint_leave"})
    Holiday.objects.get_or_create(date=D(2026, 12, 25), defaults={"name": "Natal"})
    Holiday.objects.get_or_create(date=D(2027, 1, 1), defaults={"name": "Tahun Baru"})
    policy = _policy(clock)
    for today in (D(2026, 12, 28), D(2026, 12, 31), D(2027, 1, 4), D(2027, 1, 9)):
        entries = [D(2026, 12, 1) + dt.timedelta(days=k) for k in range(40)]
        got = rows_with_states(policy, entries, today)
        cal = working_calendar(today)
        for (stage, entered), state in got.items():
            assert state == policy.state(stage, entered, today, cal), (clock, today, stage, entered)
        assert SlaState.BREACHED in got.values() and SlaState.AT_RISK in got.values()
        assert SlaState.ON_TRACK in got.values()
