import io

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from berdaya.areas.models import Village
from berdaya.markets.models import Commodity, PricePoint, Unit
from berdaya.odk import xlsform
from berdaya.odk.choices import FormKind
from berdaya.programmes.models import Enrolment, Session
from berdaya.registry import choices as rc
from berdaya.registry import rules
from berdaya.registry.models import Group

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", FormKind.values)
def test_it_converts_every_form_cleanly_with_pyxform(world, kind):
    form = xlsform.build_form(kind, world["officer"])
    content = xlsform.workbook_bytes(form)
    warnings: list[str] = []
    result = convert(xlsform=io.BytesIO(content), warnings=warnings, file_type=".xlsx")
    assert f'id="berdaya_{kind}"' in result.xform
    assert "Indonesian (id)" in result.xform and "English (en)" in result.xform
    assert warnings == []


@pytest.mark.parametrize("kind", FormKind.values)
def test_it_converts_for_a_facilitator_with_empty_lists(facilitator, kind):
    # No programmes, groups or price points yet: each list still has one row and the form converts.
    content = xlsform.workbook_bytes(xlsform.build_form(kind, facilitator))
    convert(xlsform=io.BytesIO(content), file_type=".xlsx")


def test_the_workbook_has_survey_choices_and_settings_sheets(world):
    book = load_workbook(io.BytesIO(xlsform.workbook_bytes(xlsform.build_form("household", world["officer"]))))
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in book["survey"][1]]
    assert "label::Indonesian (id)" in header and "label::English (en)" in header
    settings = {h.value: v.value for h, v in zip(book["settings"][1], book["settings"][2], strict=True)}
    assert settings["form_id"] == "berdaya_household"
    assert settings["default_language"] == "Indonesian (id)"


def test_choice_lists_match_the_database_for_an_officer(world):
    officer = world["officer"]
    household = xlsform.build_form("household", officer)
    assert set(xlsform.choice_names(household, "villages")) == set(Village.objects.values_list("code", flat=True))
    assert set(xlsform.choice_names(household, "groups")) == {
        str(pk) for pk in Group.objects.values_list("pk", flat=True)
    }
    sale = xlsform.build_form("sale", officer)
    assert xlsform.choice_names(sale, "commodities") == list(
        Commodity.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert set(xlsform.choice_names(sale, "units")) == set(Unit.objects.values_list("code", flat=True))
    prices = xlsform.build_form("prices", officer)
    assert set(xlsform.choice_names(prices, "markets")) == {
        str(p) for p in PricePoint.objects.values_list("pk", flat=True)
    }
    attendance = xlsform.build_form("attendance", officer)
    assert xlsform.choice_names(attendance, "programmes") == [str(world["programme"].pk)]
    assert set(xlsform.choice_names(attendance, "sessions")) == {str(s.pk) for s in Session.objects.all()}
    assert set(xlsform.choice_names(attendance, "participants")) == {
        str(pk) for pk in Enrolment.objects.values_list("person_id", flat=True)
    }


def test_a_facilitator_gets_only_their_villages_groups_points_and_participants(world):
    facilitator = world["facilitator"]  # 15.02.01.2001 only
    household = xlsform.build_form("household", facilitator)
    assert xlsform.choice_names(household, "villages") == ["15.02.01.2001"]
    assert xlsform.choice_names(household, "districts") == ["15.02.01"]
    assert xlsform.choice_names(household, "groups") == [str(world["group"].pk)]
    attendance = xlsform.build_form("attendance", facilitator)
    assert xlsform.choice_names(attendance, "participants") == [str(world["farmer"].pk)]
    prices = xlsform.build_form("prices", facilitator)
    assert xlsform.choice_names(prices, "markets") == [str(world["point"].pk)]


def test_a_partner_form_has_no_group_question_and_no_unreached_participants(world):
    partner = world["other_partner"]
    household = xlsform.build_form("household", partner)
    assert "group" not in [row.get("name") for row in household.survey]
    attendance = xlsform.build_form("attendance", partner)
    # The programme is the regency's: a partner may not record its attendance.
    assert xlsform.choice_names(attendance, "programmes") == []


def test_constraints_come_from_the_registry_rules(world):
    form = xlsform.build_form("household", world["officer"])
    by_name = {row["name"]: row for row in form.survey if row.get("name")}
    assert rules.NUMBER_16 in by_name["nik"]["constraint"]
    assert by_name["nik"]["constraint_message::Indonesian (id)"] == str(rules.NUMBER_16_FORMAT)
    assert by_name["nik"]["constraint_message::English (en)"] != by_name["nik"]["constraint_message::Indonesian (id)"]
    assert rules.MIN_BIRTH.isoformat() in by_name["birth_date"]["constraint"]
    assert str(rules.LAND_MAX_HA) in by_name["land_operated_ha"]["constraint"]
    assert by_name["nik_missing_reason"]["relevant"] == "${nik} = ''"
    wgss = [name for name in by_name if name.startswith("wgss_")]
    assert len(wgss) == 6


def test_english_labels_of_choices_are_translated(world):
    form = xlsform.build_form("household", world["officer"])
    sex = {row["name"]: row for row in form.choices["sex"]}
    assert sex["F"]["label::Indonesian (id)"] == "Perempuan"
    with translation.override("en"):
        english = str(rc.Sex.FEMALE.label)
    assert sex["F"]["label::English (en)"] == english != "Perempuan"


def _leaves(value, out):
    for key, item in value.items():
        out.add(key)
        if isinstance(item, dict) and item.get("type") != "Point":
            _leaves(item, out)
        elif isinstance(item, list):
            for row in item:
                _leaves(row, out)
    return out


def test_the_representative_submissions_use_only_the_generated_forms_fields(world):
    """The ingestion tests' submissions (and so the handlers) and the generated forms name the same fields."""
    from . import payloads as p

    samples = {
        "household": p.household_fields(group=world["group"].pk),
        "plot": p.plot_fields(world["farmer"]),
        "harvest": p.harvest_fields(world["farmer"]),
        "sale": p.sale_fields(world["farmer"]),
        "attendance": p.attendance_fields(world["session"], [world["farmer"].pk]),
        "prices": p.prices_fields(world["point"]),
        "outcome": p.outcome_fields(world["farmer"]),
    }
    for kind, fields in samples.items():
        names = {row["name"] for row in xlsform.build_form(kind, world["officer"]).survey if row.get("name")}
        assert _leaves(fields, set()) <= names, (kind, _leaves(fields, set()) - names)
