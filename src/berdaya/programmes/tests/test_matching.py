"""Needs-based matching: suggestions for a person and candidates for a programme, with reasons."""

from __future__ import annotations

import datetime as dt

from berdaya.programmes import choices as c
from berdaya.programmes import selectors, services
from berdaya.registry import choices as rc
from berdaya.testing import factories as f
from berdaya.testing import programmes as h


def _needs(actor, person, *codes):
    services.person_needs_set(actor=actor, person=person, needs={h.need(code).pk: "" for code in codes})


def test_it_suggests_open_programmes_that_answer_needs_ranked_with_reasons(officer):
    (siti,) = h.people(1)
    _needs(officer, siti, "sewing", "bookkeeping")
    both = h.programme(officer, name="Menjahit dan pembukuan", needs=[h.need("sewing"), h.need("bookkeeping")])
    one = h.programme(officer, name="Menjahit saja", needs=[h.need("sewing")])
    h.programme(officer, name="Kopi", needs=[h.need("coffee_cultivation")])
    h.programme(officer, name="Rancangan", needs=[h.need("sewing")], status=c.ProgrammeStatus.DRAFT)
    suggestions = selectors.suggestions_for_person(actor=officer, person=siti)
    assert [s.programme for s in suggestions] == [both, one]
    assert any(r == "Menjawab kebutuhan: Menjahit / tata busana, Pembukuan usaha" for r in suggestions[0].reasons)
    assert suggestions[0].can_enrol


def test_it_leaves_out_programmes_not_covering_the_persons_village(officer):
    (person,) = h.people(1, village="15.02.01.2001")
    _needs(officer, person, "sewing")
    h.programme(officer, needs=[h.need("sewing")], districts=["15.02.02"])
    here = h.programme(officer, needs=[h.need("sewing")], villages=["15.02.01.2001"])
    assert [s.programme for s in selectors.suggestions_for_person(actor=officer, person=person)] == [here]


def test_it_ranks_target_groups_and_warns_outside_them(officer):
    (man,) = h.people(1, sex=rc.Sex.MALE, birth_date=dt.date(1980, 1, 1))
    _needs(officer, man, "sewing")
    women = h.programme(officer, needs=[h.need("sewing")], target_groups=["women"])
    open_ = h.programme(officer, needs=[h.need("sewing")])
    suggestions = selectors.suggestions_for_person(actor=officer, person=man)
    assert [s.programme for s in suggestions] == [open_, women]
    assert "Di luar kelompok sasaran" in suggestions[1].warnings[0]


def test_it_weighs_accessibility_for_a_person_with_a_disability(officer):
    (person,) = h.people(1, wgss_hearing=rc.WGSSAnswer.CANNOT)
    _needs(officer, person, "sewing")
    interpreted = h.programme(officer, needs=[h.need("sewing")], target_groups=["disability"])
    h.session(officer, interpreted, days_ago=-5, sign_language=True)
    plain = h.programme(officer, needs=[h.need("sewing")])
    h.session(officer, plain, days_ago=-5)
    suggestions = selectors.suggestions_for_person(actor=officer, person=person)
    assert suggestions[0].programme == interpreted
    assert any("juru bahasa isyarat" in r for r in suggestions[0].reasons)
    assert any(w == "1 sesi belum menyediakan juru bahasa isyarat" for w in suggestions[1].warnings)


def test_it_lists_candidates_for_a_programme_set_based(officer, django_assert_max_num_queries):
    p = h.programme(officer, needs=[h.need("sewing"), h.need("bookkeeping")], target_groups=["women"])
    woman, man, enrolled, unrelated = h.people(4)
    man.sex = rc.Sex.MALE
    man.birth_date = dt.date(1980, 1, 1)
    man.nik = f.nik(birth_date=man.birth_date, sex="M")
    man.save()
    _needs(officer, woman, "sewing")
    _needs(officer, man, "sewing", "bookkeeping")
    _needs(officer, enrolled, "sewing")
    _needs(officer, unrelated, "coffee_cultivation")
    h.enrol(officer, p, enrolled)
    with django_assert_max_num_queries(3):
        rows = list(selectors.candidates_for_programme(actor=officer, programme=p))
    assert [(r, r.eligible, r.matched) for r in rows] == [(woman, True, 1), (man, False, 2)]


def test_it_limits_candidates_to_the_actors_scope(officer, facilitator):
    p = h.programme(officer, needs=[h.need("sewing")])
    (mine,) = h.people(1, village="15.02.01.2001")
    (other,) = h.people(1, village="15.02.02.2004")
    _needs(officer, mine, "sewing")
    _needs(officer, other, "sewing")
    assert list(selectors.candidates_for_programme(actor=facilitator, programme=p)) == [mine]
