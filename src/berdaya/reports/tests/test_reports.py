"""Quarterly reports (issue 19, item 8): the figures in the XLSX equal hand-computed ones, they follow the requester's
scope, downloads are scoped and audited, a failed build leaves nothing half-done, and one real PDF is rendered.

The world: programme P (organised by the partner's organisation, budget Rp10.000.000) and programme Q (another
organisation), this year:

| person | sex | district | P enrolment | assistance (P)  | Q enrolment |
| W1     | F   | Jangkat  | completed   | Rp1.000.000     |             |
| W2     | F   | Jangkat  | dropped out |                 |             |
| M1     | M   | Bangko   | active      | Rp500.000       |             |
| W3     | F   | Bangko   | completed   | (disability)    |             |
| X      | M   | Bangko   |             |                 | active      |
| M2     | M   | Jangkat  |             |                 |             |

Reached (a seat, or assistance disbursed): by P W1, M1, W3 (W2 dropped out, no seat); by Q X.
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from berdaya.core.audit import AuditEvent
from berdaya.monitoring import refresh
from berdaya.outcomes import impact as im
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.reports import choices as c
from berdaya.reports import documents, services
from berdaya.reports.content import Builder
from berdaya.reports.models import Report
from berdaya.testing import factories as f

TODAY = timezone.localdate()
YEAR, QUARTER = TODAY.year, (TODAY.month - 1) // 3 + 1
JAN = dt.date(YEAR, 1, 10)


def _person(name, sex, village, **fields):
    return f.person(hh=f.household(village=village), name=name, sex=sex, **fields)


@pytest.fixture
def world(officer, partner, media, monkeypatch):
    # Rendering a PDF takes seconds: every test but one gets a stand-in (documents.report_pdf is the real one).
    monkeypatch.setattr(documents, "report_pdf", lambda content: b"%PDF-1.7 stand-in")
    other = f.organisation("Mitra Lain")

    def programme(name, org, budget):
        return Programme.objects.create(
            name=name,
            kind="field_school",
            organiser=org,
            start_date=dt.date(YEAR, 1, 1),
            end_date=dt.date(YEAR, 12, 31),
            capacity=20,
            budget=budget,
            created_by=officer,
            status=pc.ProgrammeStatus.RUNNING,
        )

    p = programme("Sekolah lapang kopi", partner.organisation, 10_000_000)
    q = programme("Pelatihan menjahit", other, 0)
    jangkat, bangko = "15.02.01.2001", "15.02.02.2004"
    w1 = _person("W1", rc.Sex.FEMALE, jangkat)
    w2 = _person("W2", rc.Sex.FEMALE, jangkat)
    m1 = _person("M1", rc.Sex.MALE, bangko)
    w3 = _person("W3", rc.Sex.FEMALE, bangko, wgss_walking=3)
    x = _person("X", rc.Sex.MALE, bangko)
    _person("M2", rc.Sex.MALE, jangkat)
    ended = dt.date(YEAR, 1, 20)
    for person, prog, status in [
        (w1, p, pc.EnrolmentStatus.COMPLETED),
        (w2, p, pc.EnrolmentStatus.DROPPED_OUT),
        (m1, p, pc.EnrolmentStatus.ACTIVE),
        (w3, p, pc.EnrolmentStatus.COMPLETED),
        (x, q, pc.EnrolmentStatus.ACTIVE),
    ]:
        done = status in {pc.EnrolmentStatus.COMPLETED, pc.EnrolmentStatus.DROPPED_OUT}
        Enrolment.objects.create(
            programme=prog,
            person=person,
            status=status,
            enrolled_on=JAN,
            ended_on=ended if done else None,
            reason="pindah kerja" if status == pc.EnrolmentStatus.DROPPED_OUT else "",
            created_by=officer,
        )
    for person, amount in [(w1, 1_000_000), (m1, 500_000)]:
        Assistance.objects.create(
            programme=p,
            person=person,
            kind=pc.AssistanceKind.CASH_GRANT,
            amount=amount,
            date=JAN,
            status=pc.AssistanceStatus.DISBURSED,
            created_by=officer,
        )
    refresh.rebuild()
    return {"p": p, "q": q, "other": other}


def _sheet(report, name_part):
    book = openpyxl.load_workbook(io.BytesIO(Path(report.xlsx.path).read_bytes()), read_only=True)
    [name] = [n for n in book.sheetnames if name_part in n]
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def _figures(report):
    return {row[0]: row[1] for row in _sheet(report, "Angka utama")[1:]}


def _build(actor, kind=c.Kind.REGENCY, programme=None):
    report = services.report_request(actor=actor, kind=kind, year=YEAR, quarter=QUARTER, programme=programme)
    return services.report_build(report)


def test_a_programme_report_holds_the_hand_computed_figures(officer, world):
    report = _build(officer, c.Kind.PROGRAMME, world["p"])
    assert report.status == c.Status.DONE and report.reach == c.Reach.REGENCY and not report.suppressed
    figures = _figures(report)
    assert figures["Penduduk terjangkau program"] == 3  # W1, M1, W3
    assert figures["Pendaftaran peserta"] == 4  # W2's drop-out had an enrolment
    assert figures["Peserta lulus/selesai"] == 2
    assert figures["Peserta putus"] == 1
    assert figures["Bantuan tersalur"] == 1_500_000
    assert figures["Anggaran program"] == 10_000_000
    districts = {row[1]: row[2] for row in _sheet(report, "Kecamatan")[1:]}
    assert districts == {"Jangkat": 1, "Bangko": 2}
    by_sex = {row[0]: row[1:] for row in _sheet(report, "Pendaftaran")[1:]}
    assert by_sex == {"Perempuan": [3, 2, 1], "Laki-laki": [1, 0, 0]}
    sex_dis = {(row[0], row[1]): row[2] for row in _sheet(report, "disabilitas")[1:]}
    assert sex_dis == {
        ("Perempuan", "Penyandang disabilitas"): 1,
        ("Perempuan", "Bukan penyandang disabilitas"): 1,
        ("Laki-laki", "Bukan penyandang disabilitas"): 1,
    }
    money = _sheet(report, "Bantuan")[1:]
    assert money == [["Sekolah lapang kopi", 10_000_000, 1_500_000, 15]]
    assert report.summary["Penduduk terjangkau program"] == 3


def test_a_regency_report_counts_every_programme_for_an_officer(officer, world):
    figures = _figures(_build(officer))
    assert figures["Penduduk terjangkau program"] == 4  # + X in programme Q
    assert figures["Penduduk terdaftar"] == 6
    assert figures["Bantuan tersalur"] == 1_500_000


def test_a_partner_report_counts_only_their_organisation(partner, world):
    report = _build(partner)
    assert report.reach == c.Reach.OWN and report.organisation_id == partner.organisation_id
    # The partner's people are those of their programme: X (programme Q, another organisation) is not counted.
    assert _figures(report)["Penduduk terjangkau program"] == 3


def test_a_viewer_report_suppresses_small_counts(viewer, world):
    report = _build(viewer)
    assert report.suppressed
    figures = _figures(report)
    assert figures["Penduduk terjangkau program"] == "<5"
    assert figures["Penduduk terdaftar"] == 6
    # Two disbursements: an amount made of fewer than five is hidden too (it could point to a person); a budget is
    # the programme's, not people's.
    assert figures["Bantuan tersalur"] == "<5"
    assert figures["Anggaran program"] == 10_000_000


def test_a_partner_may_not_report_on_another_organisation_programme(partner, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.report_request(actor=partner, kind=c.Kind.PROGRAMME, year=YEAR, quarter=QUARTER, programme=world["q"])


def test_a_future_quarter_is_refused(officer, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.report_request(actor=officer, kind=c.Kind.REGENCY, year=YEAR + 1, quarter=1)


def test_downloads_are_scoped_and_audited(officer, partner, viewer, facilitator, world, client):
    officer_report = _build(officer, c.Kind.PROGRAMME, world["p"])
    partner_report = _build(partner)
    other_partner = f.user("partner", org=world["other"])
    url = reverse("reports:download", args=[partner_report.pk, "xlsx"])
    # The partner's staff read the reports of their organisation's reach.
    client.force_login(partner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    download = AuditEvent.objects.get(action="export", object_type="reports.report", object_id=str(partner_report.pk))
    assert download.actor_id == partner.pk and download.detail["format"] == "xlsx"
    # Another organisation, a facilitator and a viewer (the report is not the suppressed version): not found.
    for user in (other_partner, facilitator, viewer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("reports:detail", args=[partner_report.pk])).status_code == 404
        assert client.get(reverse("reports:download", args=[officer_report.pk, "xlsx"])).status_code == 404
    client.force_login(officer)
    assert client.get(reverse("reports:download", args=[partner_report.pk, "pdf"])).status_code == 200
    assert client.get(reverse("reports:download", args=[officer_report.pk, "pdf"])).status_code == 200


def test_partner_staff_do_not_read_an_officers_regency_wide_report_of_their_programme(officer, partner, world, client):
    """The officer's report of the partner's programme counts every participant exactly, one who withdrew consent to
    sharing with partners among them, beside the participant list that leaves her out: the partner's staff read
    only the reports of their own reach, whatever the programme."""
    withdrawer = _person("W4", rc.Sex.FEMALE, "15.02.01.2001")
    Enrolment.objects.create(
        programme=world["p"], person=withdrawer, status=pc.EnrolmentStatus.ACTIVE, enrolled_on=JAN, created_by=officer
    )
    registry_services.consent_withdraw(
        actor=officer, person=withdrawer, purpose=rc.ConsentPurpose.SHARING, on=TODAY - dt.timedelta(days=1)
    )
    refresh.rebuild()
    report = _build(officer, c.Kind.PROGRAMME, world["p"])
    assert report.reach == c.Reach.REGENCY and report.programme.organiser_id == partner.organisation_id
    client.force_login(partner)
    for fmt in ("xlsx", "pdf"):
        assert client.get(reverse("reports:download", args=[report.pk, fmt])).status_code == 404
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert report.pk not in _listed(client)
    # The partner's own report of the same programme is theirs to read.
    own = _build(partner, c.Kind.PROGRAMME, world["p"])
    assert own.reach == c.Reach.OWN
    assert client.get(reverse("reports:download", args=[own.pk, "xlsx"])).status_code == 200
    assert own.pk in _listed(client)


def _listed(client):
    return [r.pk for r in client.get(reverse("reports:index")).context["page"].items]


def test_a_failed_build_leaves_no_report_and_no_file(officer, world, monkeypatch, media):
    def broken(content):
        raise RuntimeError("disk full")

    monkeypatch.setattr(documents, "report_xlsx", broken)
    report = services.report_request(actor=officer, kind=c.Kind.REGENCY, year=YEAR, quarter=QUARTER)
    with pytest.raises(RuntimeError):
        services.report_build(report)
    report.refresh_from_db()
    assert report.status == c.Status.FAILED and not report.pdf and not report.xlsx
    assert "disk full" in report.error
    written = [p for p in Path(media).rglob("*") if p.is_file()]
    assert written == []
    from django.test import Client

    client = Client()
    client.force_login(officer)
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


def test_an_abandoned_job_marks_its_report_failed(officer, world):
    from berdaya.jobs.services import job_abandoned

    report = services.report_request(actor=officer, kind=c.Kind.REGENCY, year=YEAR, quarter=QUARTER)
    Report.objects.filter(pk=report.pk).update(status=c.Status.RUNNING)
    job_abandoned.send(sender=None, job=report.job)
    report.refresh_from_db()
    assert report.status == c.Status.FAILED and not report.is_done


def test_the_schedule_makes_the_published_reports_once(officer, world):
    today = dt.date(YEAR, 3 * QUARTER, 1) + dt.timedelta(days=95)  # a day in the next quarter
    made = services.quarterly_reports(today=today)
    kinds = sorted((r.kind, r.programme_id or 0) for r in made)
    assert kinds == sorted([("regency", 0), ("programme", world["p"].pk), ("programme", world["q"].pk)])
    assert all(r.suppressed and r.scheduled and r.is_done and r.requested_by is None for r in made)
    assert services.quarterly_reports(today=today) == []  # already made


def test_the_request_page_starts_a_job(officer, world, client, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request"),
            {"kind": "programme", "programme": world["p"].pk, "year": YEAR, "quarter": QUARTER},
        )
    report = Report.objects.get()
    assert response.status_code == 302 and report.job is not None
    # Bad input: an Indonesian message, nothing created.
    response = client.post(reverse("reports:request"), {"kind": "programme", "year": YEAR, "quarter": QUARTER})
    assert response.status_code == 400 and "Pilih programnya" in response.text
    assert Report.objects.count() == 1


def test_the_pdf_has_pages_with_the_report_text(officer, world):
    # The one real PDF of the suite (WeasyPrint takes seconds): the regency report with its charts and map.
    from berdaya.musdes.documents import document_text

    report = services.report_request(actor=officer, kind=c.Kind.REGENCY, year=YEAR, quarter=QUARTER)
    content = Builder(report).build()
    document = documents.report_document(content)
    assert len(document.pages) >= 2
    text = document_text(document)
    assert "Laporan Triwulanan" in text and "Kasus pekerja migran" in text
    assert document.write_pdf().startswith(b"%PDF-")


def test_a_programme_report_states_the_impact_estimate_only_when_samples_allow(officer, world):
    """The impact section is the outcomes app's estimate itself: a programme with no surveys says "too small" and
    shows no effect; the demo's evaluated programme (a simulated gain of Rp400k a month) shows its interval."""

    def report_on(programme):
        return Report(
            kind=c.Kind.PROGRAMME,
            programme=programme,
            year=YEAR,
            quarter=QUARTER,
            reach=c.Reach.REGENCY,
            requested_by=officer,
        )

    section = Builder(report_on(world["p"])).impact()
    assert len(section.rows) == 5
    assert all(row[3] is None and row[6] == "Sampel terlalu kecil untuk disimpulkan" for row in section.rows)

    for i in range(80):
        f.person(name=f"Warga Demo {i}", hh=f.household(village=["15.02.01.2001", "15.02.02.2004"][i % 2]))
    call_command("demo_programmes", seed=2, if_empty=True, stdout=io.StringIO())
    call_command("demo_outcomes", seed=2, if_empty=True, stdout=io.StringIO())
    evaluated = Programme.objects.get(name__contains="dievaluasi")
    income = Builder(report_on(evaluated)).impact().rows[0]
    direct = im.impact_estimate(programme=evaluated, outcome="total_income").estimate
    assert income[1:3] == [direct.n_treated, direct.n_control]
    if direct.conclusive:
        assert income[4] <= income[3] <= income[5] and income[4] == round(direct.ci_low, 2)
    else:
        assert income[3] is None or direct.verdict == im.Verdict.NO_EVIDENCE


def test_the_xlsx_writes_its_moments_in_the_deployments_time_zone_and_names_every_sheet():
    """The database holds UTC; the page and the PDF write WIB (TIME_ZONE), and so does the workbook. Every section's
    sheet is named in words, the impact estimate's too."""
    from berdaya.reports.content import Content, Section

    at = dt.datetime(2026, 12, 7, 2, 56, tzinfo=dt.UTC)  # 09.56 in Jakarta
    sections = [Section(key, key, ["a"], [[1]]) for key in [*documents.SHEETS, "impact"]]
    content = Content("Judul", "", "2026", "Kabupaten", data_as_of=at, generated_at=at, sections=sections)
    book = openpyxl.load_workbook(io.BytesIO(documents.report_xlsx(content)))
    about = [[cell for cell in row if cell is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
    written = {row[0]: row[1] for row in about if len(row) == 2}
    assert written["Data per"].endswith("09.56") and written["Dibuat"].endswith("09.56"), written
    assert [name for name in book.sheetnames[1:] if not any(ch.isupper() for ch in name)] == []
    assert "7. impact" not in book.sheetnames and any(name.endswith("Dampak") for name in book.sheetnames)
