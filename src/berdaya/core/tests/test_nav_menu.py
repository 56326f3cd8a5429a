"""The main menu is kept per language, capabilities and unread count: each reader still gets their own links."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from berdaya.core.access import capabilities
from berdaya.core.templatetags.berdaya import nav_menu


def test_each_role_language_and_count_gets_its_own_menu(officer, viewer, partner):
    targeting, privacy = reverse("targeting:index"), reverse("privacy:request_list")
    with translation.override("id"):
        for_officer = nav_menu(capabilities(officer), 0)
        for_viewer = nav_menu(capabilities(viewer), 0)
        for_partner = nav_menu(capabilities(partner), 0)
        assert nav_menu(capabilities(officer), 0) == for_officer  # kept
        with_badge = nav_menu(capabilities(officer), 3)
    assert targeting in for_officer and privacy in for_officer
    assert targeting not in for_viewer and reverse("registry:person_list") not in for_viewer
    assert (
        targeting not in for_partner and privacy not in for_partner and reverse("registry:person_list") in for_partner
    )
    assert "text-bg-danger" not in for_officer and ">3<" in with_badge
    with translation.override("en"):
        in_english = nav_menu(capabilities(officer), 0)
    assert in_english != for_officer and targeting in in_english
