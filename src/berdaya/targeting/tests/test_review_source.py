import pytest
from django.core.exceptions import ValidationError

from berdaya.targeting import services
from berdaya.targeting.models import Candidate, ReviewLog

from .test_runs import _people, _run


def test_it_records_where_a_review_decision_came_from(officer, client):
    people = _people()
    run = _run(officer, capacity=5)
    chosen = Candidate.objects.filter(run=run, status="selected").first()
    services.candidate_exclude(actor=officer, candidate=chosen, reason="Sudah mampu", source="musdes:7")
    services.candidate_add(actor=officer, run=run, person=people[9], reason="Keberatan", source="grievance:ADU-X1")
    services.candidate_restore(actor=officer, candidate=chosen, reason="Salah catat")
    logs = {(log.action, log.source_kind, log.source_ref) for log in ReviewLog.objects.filter(run=run)}
    assert logs == {("exclude", "musdes", "7"), ("add", "grievance", "ADU-X1"), ("restore", "officer", "")}
    assert ReviewLog.objects.get(run=run, action="exclude").source == "musdes:7"
    client.force_login(officer)
    page = client.get(f"/sasaran/proses/{run.pk}/").content.decode()
    assert "Musyawarah desa 7" in page and "Pengaduan ADU-X1" in page


@pytest.mark.parametrize("source", ["rapat:1", "musdes:", "grievance", "officer:3", "musdes:" + "9" * 41])
def test_it_refuses_an_unknown_source(officer, source):
    _people()
    run = _run(officer, capacity=5)
    chosen = Candidate.objects.filter(run=run, status="selected").first()
    with pytest.raises(ValidationError):
        services.candidate_exclude(actor=officer, candidate=chosen, reason="x", source=source)
    assert not ReviewLog.objects.filter(run=run).exists()
