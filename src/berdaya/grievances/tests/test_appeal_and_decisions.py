import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from berdaya.grievances import choices as c
from berdaya.grievances import services
from berdaya.markets.models import OutboxMessage


def _g(actor, **data):
    base = {
        "category": "aid_not_received",
        "description": "Beras bantuan bulan ini tidak sampai.",
        "complainant_phone": "0812 3456 7890",
        "reply_channel": "sms",
    }
    return services.grievance_record(actor=actor, data={**base, **data})


def test_an_appeal_is_linked_to_the_first_decision_and_closes_it(handler):
    first = _g(handler)
    decision = services.grievance_decide(
        actor=handler, grievance=first, outcome=c.Outcome.REJECTED, reason="Penerima sudah menerima di kantor desa."
    )
    appeal = services.grievance_appeal(actor=handler, grievance=first, text="Saya tidak pernah menerimanya.")
    first.refresh_from_db()
    assert appeal.appeal_of_id == first.pk and appeal.appealed_decision_id == decision.pk
    assert appeal.code != first.code and appeal.stage == c.Stage.RECEIVED
    assert first.stage == c.Stage.CLOSED and appeal.code in first.stage_changes.last().note
    with pytest.raises(ValidationError, match="Banding"):
        services.grievance_appeal(actor=handler, grievance=first, text="lagi")


def test_an_appeal_before_a_decision_is_refused(handler):
    g = _g(handler)
    with pytest.raises(ValidationError, match="Banding hanya"):
        services.grievance_appeal(actor=handler, grievance=g, text="Banding")


def test_the_complainant_is_told_by_sms_through_the_outbox_without_the_content(handler):
    g = _g(handler)
    services.grievance_forward(actor=handler, grievance=g, to_unit="Dinas Sosial")
    services.grievance_decide(actor=handler, grievance=g, outcome=c.Outcome.UPHELD, reason="Beras dikirim ulang.")
    sent = list(OutboxMessage.objects.filter(kind="grievance").order_by("id"))
    assert len(sent) == 3
    assert all(m.to == "+6281234567890" and m.channel == "sms" for m in sent)
    assert all(g.code in m.body for m in sent)
    assert "Diterima" in sent[-1].body
    assert not any("Beras" in m.body for m in sent)


def test_a_decision_needs_an_outcome_and_a_reason_and_a_referral_its_target(handler):
    g = _g(handler)
    with pytest.raises(ValidationError):
        services.grievance_decide(actor=handler, grievance=g, outcome="maybe", reason="x")
    with pytest.raises(ValidationError, match="alasan"):
        services.grievance_decide(actor=handler, grievance=g, outcome=c.Outcome.REJECTED, reason="  ")
    with pytest.raises(ValidationError, match="rujukan"):
        services.grievance_decide(actor=handler, grievance=g, outcome=c.Outcome.REFERRED, reason="Ke polisi")
    d = services.grievance_decide(
        actor=handler, grievance=g, outcome=c.Outcome.REFERRED, reason="Ke polisi", referred_to="Polres Merangin"
    )
    assert d.referred_to == "Polres Merangin"


def test_a_withdrawn_grievance_closes_at_once(handler):
    g = _g(handler)
    services.grievance_decide(actor=handler, grievance=g, outcome=c.Outcome.WITHDRAWN, reason="Pelapor mencabut.")
    g.refresh_from_db()
    assert g.stage == c.Stage.CLOSED and g.closed_on == dt.date.today()


def test_bad_input_gives_a_clear_message_and_writes_nothing(handler):
    from berdaya.grievances.models import Grievance

    with pytest.raises(ValidationError) as err:
        services.grievance_record(
            actor=handler, data={"category": "targeting_objection", "description": "", "complainant_phone": "123"}
        )
    text = str(err.value)
    assert "Tuliskan isi pengaduan" in text and "Pilih: seharusnya" in text and "Nomor HP tidak sah" in text
    assert not Grievance.objects.exists()
