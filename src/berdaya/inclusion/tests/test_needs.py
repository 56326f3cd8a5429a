from __future__ import annotations

import pytest

from berdaya.inclusion import selectors
from berdaya.inclusion.models import DisabilityProfile
from berdaya.testing import factories


def test_session_accommodates_returns_the_unmet_needs_in_indonesian():
    flags = {"step_free": True, "sign_language": False, "large_print": True}
    assert selectors.session_accommodates(flags, {"accessible_venue", "large_print"}) == []
    assert selectors.session_accommodates(flags, {"sign_language", "accessible_venue"}) == ["juru bahasa isyarat"]
    assert selectors.session_accommodates({}, {"large_print", "sign_language", "accessible_venue"}) == [
        "juru bahasa isyarat",
        "tempat yang aksesibel (tanpa tangga)",
        "materi huruf besar",
    ]


def test_a_companion_needs_no_venue_feature_and_easy_read_needs_its_own():
    assert selectors.session_accommodates({}, {"companion"}) == []
    assert selectors.session_accommodates({"step_free": True}, {"easy_read"}) == ["materi mudah dibaca (easy-read)"]
    assert selectors.session_accommodates({"easy_read": True}, {"easy_read"}) == []


def test_session_flags_are_read_from_a_session_like_object():
    class Session:
        pk = 7
        step_free = True
        sign_language = False
        large_print = True

    assert selectors.session_flags_of(Session()) == {
        "step_free": True,
        "sign_language": False,
        "large_print": True,
        "easy_read": False,
    }


@pytest.mark.django_db
def test_support_needs_come_from_the_profile_or_else_from_wgss(areas, officer, django_assert_num_queries):
    recorded = factories.person(name="Tercatat", wgss_walking=4)
    DisabilityProfile.objects.create(
        person=recorded, disability_type="sensory", need_sign_language=True, recorded_by=officer
    )
    inferred = factories.person(name="Belum dicatat", wgss_walking=3, wgss_seeing=4, wgss_hearing=2)
    none = factories.person(name="Tanpa kesulitan", wgss_walking=1)
    with django_assert_num_queries(2):
        needs = selectors.support_needs_for([recorded.pk, inferred.pk, none.pk])
    # The recorded profile wins over the WG-SS inference (walking "cannot" but no venue need recorded).
    assert needs == {recorded.pk: {"sign_language"}, inferred.pk: {"accessible_venue", "large_print"}}
    assert selectors.support_needs_for([]) == {}


@pytest.mark.django_db
def test_it_flags_the_sessions_that_cannot_accommodate_each_person(areas, officer):
    deaf = factories.person(name="Tuli", wgss_hearing=4)
    wheelchair = factories.person(name="Kursi roda", wgss_walking=4)

    class S:
        def __init__(self, pk, **flags):
            self.pk = pk
            self.__dict__.update(flags)

    sessions = [S(1, step_free=True, sign_language=True), S(2, step_free=False, sign_language=True), S(3)]
    result = selectors.unmet_needs_by_session([deaf.pk, wheelchair.pk], sessions)
    assert 1 not in result
    assert result[2] == {wheelchair.pk: ["tempat yang aksesibel (tanpa tangga)"]}
    assert result[3] == {deaf.pk: ["juru bahasa isyarat"], wheelchair.pk: ["tempat yang aksesibel (tanpa tangga)"]}
    assert selectors.interpreter_count([deaf.pk, wheelchair.pk]) == 1


@pytest.mark.django_db
def test_it_works_with_real_programme_sessions_when_programmes_is_installed(areas, officer):
    from django.apps import apps

    if not apps.is_installed("berdaya.programmes"):
        pytest.skip("berdaya.programmes not installed")
    from berdaya.programmes.models import Session

    session = Session(step_free=True, sign_language=False, large_print=False)
    assert selectors.session_accommodates(selectors.session_flags_of(session), {"sign_language"}) == [
        "juru bahasa isyarat"
    ]
