import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from berdaya.markets import choices as c
from berdaya.markets import services
from berdaya.markets.models import PriceObservation
from berdaya.markets.selectors import check_price
from berdaya.testing.markets import commodity, observe, point

today = timezone.localdate


@pytest.fixture
def rubber_history(areas):
    at = point()
    for k, price in enumerate([7400, 7500, 7600, 7450, 7550, 7500, 7700, 7350]):
        observe(price, at=at, date=today() - dt.timedelta(days=3 + 5 * k))
    return at


def test_it_catches_a_price_per_ton_typed_as_per_kg(rubber_history):
    check = check_price(commodity=commodity("karet"), price_per_kg=7_500_000, on_date=today())
    assert check.is_outlier
    assert check.median == 7500
    assert "per ton" in check.message


def test_it_catches_a_missing_zero_and_a_price_per_quintal(rubber_history):
    assert check_price(commodity=commodity("karet"), price_per_kg=750, on_date=today()).is_outlier
    assert "kuintal" in check_price(commodity=commodity("karet"), price_per_kg=750_000, on_date=today()).message


def test_it_accepts_the_farm_gate_and_uppb_levels(rubber_history):
    for price, channel in ((7000, "collector"), (8000, "collector"), (11600, "uppb")):
        check = check_price(commodity=commodity("karet"), price_per_kg=price, on_date=today(), channel=channel)
        assert not check.is_outlier


def test_the_mad_rule_flags_a_jump_inside_the_ratio_band(rubber_history, settings):
    settings.BERDAYA = {**settings.BERDAYA, "PRICE_OUTLIER_MAD_K": 5.0}
    # 14,000 is under 3 × the median, but far outside the collectors' spread of the last 8 weeks.
    check = check_price(commodity=commodity("karet"), price_per_kg=14000, on_date=today(), channel="collector")
    assert check.is_outlier
    assert "menyimpang" in check.message


def test_without_history_nothing_is_an_outlier(areas):
    assert not check_price(commodity=commodity("cabai"), price_per_kg=999_999, on_date=today()).is_outlier


def test_old_and_rejected_prices_do_not_count(areas):
    observe(7500, date=today() - dt.timedelta(weeks=20))
    observe(7_500_000, status=c.ObservationStatus.REJECTED)
    assert check_price(commodity=commodity("karet"), price_per_kg=7500, on_date=today()).n == 0


def _data(price, at):
    return {
        "date": today(),
        "point": at,
        "commodity": commodity("karet"),
        "price_type": c.PriceType.FARM_GATE,
        "price_per_kg": price,
        "source": c.Source.ENUMERATOR,
    }


def test_an_outlier_is_not_saved_until_confirmed(rubber_history, officer):
    before = PriceObservation.objects.count()
    with pytest.raises(services.NeedsConfirmation):
        services.observation_record(actor=officer, data=_data(7_600_000, rubber_history))
    assert PriceObservation.objects.count() == before
    obs = services.observation_record(
        actor=officer, data=_data(7_600_000, rubber_history), confirm=True, confirm_note="dicek ulang"
    )
    assert obs.status == c.ObservationStatus.CONFIRMED
    assert obs.reference_median == 7500
    assert "dicek ulang" in obs.flag_reason


def test_a_future_date_is_refused(rubber_history, officer):
    data = _data(7500, rubber_history) | {"date": today() + dt.timedelta(days=2)}
    with pytest.raises(services.ValidationError) as exc:
        services.observation_record(actor=officer, data=data)
    assert "masa depan" in str(exc.value)


def test_the_phone_form_asks_for_confirmation(client, rubber_history, officer):
    client.force_login(officer)
    post = {
        "date": today().isoformat(),
        "point": rubber_history.pk,
        "commodity": commodity("karet").pk,
        "price_type": "farm_gate",
        "price_per_kg": "7500000",
        "source": "enumerator",
    }
    response = client.post("/harga/catat/", post)
    assert response.status_code == 200
    assert "per ton" in response.content.decode()
    assert not PriceObservation.objects.filter(price_per_kg=7_500_000).exists()
    response = client.post("/harga/catat/", post | {"confirm": "on"})
    assert response.status_code == 302
    assert PriceObservation.objects.get(price_per_kg=7_500_000).status == "confirmed"


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "harga.csv"
    path.write_bytes(
        ("tanggal;titik;komoditas;mutu;jenis_harga;harga;sumber\n" + "\n".join(rows) + "\n").encode("cp1252")
    )
    return path


def test_upload_keeps_outliers_waiting_for_confirmation(rubber_history, officer, tmp_path):
    d = today().strftime("%d/%m/%Y")
    path = _csv(
        tmp_path,
        [f"{d};Pengepul Uji;Karet;;harga di tingkat petani;7.600;", f"{d};Pengepul Uji;karet;;farm_gate;7600000;mitra"],
    )
    result = services.observations_upload(actor=officer, path=path)
    assert result.errors == []
    assert (result.saved, result.pending) == (2, 1)
    pending = PriceObservation.objects.get(status=c.ObservationStatus.PENDING)
    assert pending.price_per_kg == 7_600_000
    services.observation_review(actor=officer, observation=pending, accept=False)
    pending.refresh_from_db()
    assert pending.status == c.ObservationStatus.REJECTED


def test_upload_saves_nothing_when_a_row_is_wrong(rubber_history, officer, tmp_path):
    before = PriceObservation.objects.count()
    d = today().strftime("%d/%m/%Y")
    future = (today() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    path = _csv(
        tmp_path,
        [
            f"{d};Pengepul Uji;karet;;farm_gate;7600;",
            f"{future};Pengepul Uji;karet;;farm_gate;-5;",
            f"{d};Entah;durian;;x;1;",
        ],
    )
    result = services.observations_upload(actor=officer, path=path)
    assert PriceObservation.objects.count() == before
    assert result.errors[0].startswith("Baris 3:")
    assert "harga harus lebih dari nol" in result.errors[0]
    assert "Baris 4:" in result.errors[1] and "durian" in result.errors[1]


def test_upload_names_a_missing_column_as_the_help_does(rubber_history, officer, tmp_path):
    path = tmp_path / "harga.csv"
    path.write_text("tgl;titik;komoditas;jenis;nilai\n01/11/2026;Pengepul Uji;karet;farm_gate;7600\n")
    result = services.observations_upload(actor=officer, path=path)
    assert result.errors == [
        "Kolom wajib tidak ada: tanggal, harga. "
        "Baris judul berkas harus memuat kolom tanggal, titik, komoditas, jenis_harga, harga."
    ]
    assert not any(key in result.errors[0] for key in ("date", "price", "point", "commodity"))


def test_a_review_note_too_long_for_the_record_is_refused_not_cut(rubber_history, officer):
    pending = observe(7_600_000, at=rubber_history, status=c.ObservationStatus.PENDING)
    PriceObservation.objects.filter(pk=pending.pk).update(flag_reason="Jauh dari median 7.500")
    pending.refresh_from_db()
    with pytest.raises(services.ValidationError) as exc:
        services.observation_review(actor=officer, observation=pending, accept=True, note="x" * 290)
    assert "paling banyak 275 karakter (tertulis 290)" in str(exc.value)
    pending.refresh_from_db()
    assert pending.status == c.ObservationStatus.PENDING
    services.observation_review(actor=officer, observation=pending, accept=True, note="Panen raya")
    pending.refresh_from_db()
    assert pending.flag_reason == "Jauh dari median 7.500 — Panen raya"


def test_the_positive_price_constraint_is_answered_in_python_as_djangos_query_does(rubber_history, officer):
    from django.core.exceptions import ValidationError
    from django.db import connection, models
    from django.test.utils import CaptureQueriesContext

    from berdaya.core.constraints import CheckConstraint

    constraint = next(x for x in PriceObservation._meta.constraints if x.name == "observation_price_positive")
    assert isinstance(constraint, CheckConstraint)
    for price in (None, 0, 1, 7500):
        obs = PriceObservation(price_per_kg=price)

        def answer(validate, obs=obs):
            try:
                validate(constraint, PriceObservation, obs)
            except ValidationError as exc:
                return exc.messages
            return None

        with CaptureQueriesContext(connection) as queries:
            python = answer(CheckConstraint.validate)
        assert queries.captured_queries == []
        assert python == answer(models.CheckConstraint.validate)
        assert python == (["Harga harus lebih dari nol."] if price == 0 else None)
    # The service's validation of a whole observation: the price checked without the database.
    obs = services.observation_record(actor=officer, data=_data(7500, rubber_history))
    assert obs.pk and obs.price_per_kg == 7500


@pytest.mark.parametrize("price", ["-5000", "-1", "0"])
def test_a_negative_price_is_told_that_it_must_be_above_zero(areas, price):
    """Zero and a negative price get the price's own message: "at least 0" (the field's, for a negative) told the
    officer 0 was allowed, which it is not."""
    from berdaya.markets.forms import ObservationForm

    form = ObservationForm(data={"price_per_kg": price, "commodity": commodity("karet").pk, "point": point().pk})
    assert not form.is_valid()
    assert form.errors["price_per_kg"] == ["Jumlah Rupiah harus lebih dari nol; nilai negatif tidak diterima."]
