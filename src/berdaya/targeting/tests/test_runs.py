import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from berdaya.core.models import AuditEvent
from berdaya.registry import choices as rc
from berdaya.targeting import engine, rules, selectors, services
from berdaya.targeting.models import Candidate, HouseholdWelfare, ReviewLog, RuleSetVersion, TargetingRun
from berdaya.testing import factories as f

SMALLHOLDER_POOR = {"op": "and", "items": [{"type": "flag", "value": "smallholder"}, {"type": "decile", "max": 4}]}


def _people(n=40):
    """n farmers in 4 villages, decile 1..10 by household, every third a woman, every fifth with a disability."""
    people = []
    villages = [v for _d, (_n, vs) in f.AREAS.items() for v in vs]
    for i in range(n):
        hh = f.household(village=villages[i % 4], land_ha="0.8" if i % 6 else "3")
        HouseholdWelfare.objects.create(household=hh, local_decile=i % 10 + 1)
        people.append(
            f.person(
                hh=hh,
                name=f"Petani {i}",
                sex=rc.Sex.FEMALE if i % 3 == 0 else rc.Sex.MALE,
                birth_date=dt.date(1950 + i % 40, 1, 1),
                occupation="farmer",
                wgss_walking=3 if i % 5 == 0 else None,
            )
        )
    return people


def _run(actor, tree=SMALLHOLDER_POOR, **kwargs):
    version = services.ruleset_save(actor=actor, name=kwargs.pop("name", "Petani miskin"), rules_tree=tree, **kwargs)
    run = services.run_create(actor=actor, ruleset=version.ruleset)
    services.run_execute(run=run)
    run.refresh_from_db()
    return run


def test_it_selects_by_decile_and_explains_in_indonesian(officer):
    _people()
    run = _run(officer, capacity=5)
    selected = list(Candidate.objects.filter(run=run, status="selected").order_by("rank"))
    assert len(selected) == 5 and [c.decile for c in selected] == sorted(c.decile for c in selected)
    assert "petani kecil: lahan 0,8 ha ≤ 2 ha" in selected[0].reasons
    assert "desil kesejahteraan ≤ 4: desil 1" in selected[0].reasons
    assert run.eligible_count == rules.matching_people(SMALLHOLDER_POOR, run.as_of).count()
    assert Candidate.objects.filter(run=run, status="reserve").first().failed == "kapasitas program sudah penuh"


def test_it_lists_near_misses_with_the_failed_condition(officer):
    _people()
    run = _run(officer)
    near = Candidate.objects.filter(run=run, status="near_miss").order_by("rank")
    assert near.exists()
    assert all(c.failed.startswith("tidak memenuhi:") for c in near)
    assert any("desil kesejahteraan ≤ 4 (desil 5)" in c.failed for c in near)


def test_it_gives_the_same_list_for_the_same_data_and_rule_version(officer):
    _people()
    first = _run(officer, capacity=7, priority=["disability", "older"])
    second = services.run_create(actor=officer, ruleset=first.ruleset)
    services.run_execute(run=second)
    assert second.version_id == first.version_id

    def listing(run):
        return list(Candidate.objects.filter(run=run).order_by("status", "rank").values_list("person_id", "status"))

    assert listing(first) == listing(second)


def test_it_guarantees_minimum_shares_and_area_caps(officer):
    _people(80)
    run = _run(officer, capacity=10, quotas={"minimums": {"women": 40, "disability": 20}})
    selected = Candidate.objects.filter(run=run, status="selected").select_related("person")
    assert selected.count() == 10
    assert sum(c.person.sex == "F" for c in selected) >= 4
    assert sum((c.person.wgss_walking or 0) >= 3 for c in selected) >= 2
    # Area caps are hard limits, applied before the minimum shares.
    run = _run(officer, name="per desa", capacity=10, quotas={"per_village_max": 2})
    selected = Candidate.objects.filter(run=run, status="selected")
    assert selected.count() == 8  # 4 villages x 2
    assert Candidate.objects.filter(run=run, status="reserve", failed__contains="kuota kecamatan/desa").exists()
    per_village = {}
    for c in selected:
        per_village[c.village_id] = per_village.get(c.village_id, 0) + 1
    assert max(per_village.values()) <= 2


def test_it_refuses_bad_rules_with_clear_messages(officer):
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(actor=officer, name="x", rules_tree={"op": "and", "items": [{"type": "kasta"}]})
    assert "Kriteria tidak dikenal: 'kasta'." in exc.value.message_dict["rules"]
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(actor=officer, name="x", rules_tree={"op": "and", "items": []})
    assert "memilih semua penduduk" in exc.value.message_dict["rules"][0]
    services.ruleset_save(actor=officer, name="semua", rules_tree={"op": "and", "items": []}, confirmed_empty=True)
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(
            actor=officer, name="x", rules_tree=SMALLHOLDER_POOR, capacity=10, quotas={"minimums": {"women": 130}}
        )
    assert "kuota harus antara 0% dan 100%" in exc.value.message_dict["quotas"][0]
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(
            actor=officer, name="x", rules_tree={"op": "and", "items": [{"type": "group", "value": 999}]}
        )
    assert "Kelompok tidak dikenal" in exc.value.message_dict["rules"][0]


def test_it_refuses_an_unknown_programme(officer):
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(actor=officer, name="x", programme_id=424242, rules_tree=SMALLHOLDER_POOR)
    assert "Program tidak dikenal" in exc.value.message_dict["programme"][0]
    tree = {"op": "and", "items": [{"type": "not_enrolled", "value": 424242}]}
    with pytest.raises(ValidationError) as exc:
        services.ruleset_save(actor=officer, name="x", rules_tree=tree)
    assert "Program tidak dikenal: 424242." in exc.value.message_dict["rules"]


def test_it_refuses_a_second_concurrent_run(officer):
    _people(5)
    version = services.ruleset_save(actor=officer, name="x", rules_tree=SMALLHOLDER_POOR)
    services.run_create(actor=officer, ruleset=version.ruleset)
    with pytest.raises(ValidationError, match="Masih ada proses"):
        services.run_create(actor=officer, ruleset=version.ruleset)


def test_it_locks_a_used_version_and_edits_make_a_new_one(officer):
    _people(5)
    run = _run(officer)
    assert RuleSetVersion.objects.get(pk=run.version_id).locked
    new = services.ruleset_save(
        actor=officer, ruleset=run.ruleset, name="Petani miskin", rules_tree=SMALLHOLDER_POOR, capacity=3
    )
    assert new.number == 2 and new.pk != run.version_id


def test_it_leaves_no_partial_list_when_a_run_fails(officer, monkeypatch):
    _people(10)
    version = services.ruleset_save(actor=officer, name="x", rules_tree=SMALLHOLDER_POOR)
    run = services.run_create(actor=officer, ruleset=version.ruleset)
    real_execute = engine.execute

    def execute_then_fail(plan):
        real_execute(plan)
        assert Candidate.objects.filter(run=run).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(engine, "execute", execute_then_fail)
    with pytest.raises(Exception):  # noqa: B017
        services.run_execute(run=run)
    run.refresh_from_db()
    assert run.status == "failed" and "no_such_table" in run.error
    assert not Candidate.objects.filter(run=run).exists()


def test_it_records_review_decisions_and_approves(officer):
    people = _people()
    run = _run(officer, capacity=5)
    chosen = Candidate.objects.filter(run=run, status="selected").first()
    with pytest.raises(ValidationError):
        services.candidate_exclude(actor=officer, candidate=chosen, reason="")
    services.candidate_exclude(actor=officer, candidate=chosen, reason="Sudah pindah ke Jambi")
    outsider = people[9]  # decile 10
    services.candidate_add(actor=officer, run=run, person=outsider, reason="Keberatan warga: sakit kronis")
    final = set(selectors.final_candidates(run).values_list("person_id", flat=True))
    assert chosen.person_id not in final and outsider.pk in final and len(final) == 5
    result = services.run_approve(actor=officer, run=run)
    assert result["approved"] == 5
    assert ReviewLog.objects.filter(run=run).count() == 3
    events = AuditEvent.objects.filter(detail__event__startswith="targeting.candidate")
    assert events.count() == 2
    with pytest.raises(ValidationError):
        services.candidate_exclude(actor=officer, candidate=chosen, reason="lagi")


def test_it_turns_an_approved_list_into_proposed_enrolments(officer):
    from berdaya.programmes.models import Enrolment, Programme

    _people()
    programme = Programme.objects.create(
        name="Sekolah lapang kopi",
        kind="field_school",
        organiser=f.organisation(),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=4,
        created_by=officer,
        status="open",
    )
    version = services.ruleset_save(actor=officer, name="Kopi", programme_id=programme.pk, rules_tree=SMALLHOLDER_POOR)
    assert version.capacity == 4  # from the programme
    run = services.run_create(actor=officer, ruleset=version.ruleset)
    services.run_execute(run=run)
    result = services.run_approve(actor=officer, run=TargetingRun.objects.get(pk=run.pk))
    assert result["proposed"] == 4
    assert Enrolment.objects.filter(programme=programme, status="proposed", source="list").count() == 4


def test_it_keeps_partners_and_viewers_out(partner, viewer):
    for user in (partner, viewer):
        with pytest.raises(PermissionDenied):
            services.ruleset_save(actor=user, name="x", rules_tree=SMALLHOLDER_POOR)


def test_it_explains_land_with_the_plot_area_that_selected_the_person(officer):
    # The household declared no land, but the farmer's plot is 0.7 ha: the reason must say 0,7 ha, not 0,0 ha.
    from decimal import Decimal

    from berdaya.farming.models import Plot
    from berdaya.testing.markets import commodity

    hh = f.household(land_ha="0")
    HouseholdWelfare.objects.create(household=hh, local_decile=1)
    farmer = f.person(hh=hh, name="Petani Lahan", occupation="farmer")
    Plot.objects.create(
        farmer=farmer, village_id=hh.village_id, area_ha=Decimal("0.7"), tenure="own", commodity=commodity("karet")
    )
    run = _run(officer)
    candidate = Candidate.objects.get(run=run, person=farmer)
    assert "petani kecil: lahan 0,7 ha ≤ 2 ha" in candidate.reasons


def test_a_list_keeps_its_references_without_database_checks(officer):
    """Candidate.run / .person carry no database constraint (the engine writes them from rows it has just read):
    the ORM still protects a person on a list and removes a deleted run's list."""
    from django.db.models import ProtectedError

    people = _people(12)
    run = _run(officer, capacity=3)
    listed = set(Candidate.objects.filter(run=run).values_list("person_id", flat=True))
    assert listed and listed <= {p.pk for p in people}
    on_list = next(p for p in people if p.pk in listed)
    with pytest.raises(ProtectedError) as refused:
        on_list.delete()
    assert {type(obj) for obj in refused.value.protected_objects} == {Candidate}
    run.delete()
    assert not Candidate.objects.filter(run_id=run.pk).exists()
