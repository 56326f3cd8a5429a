"""The registry's pages show what the apps above it register (registry.panels), in order, with their own context."""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.urls import reverse

from berdaya.registry import panels
from berdaya.testing import factories


@pytest.fixture
def own_panels(monkeypatch):
    """The panels registered by the installed apps, replaced by this test's for its duration."""
    for page in (panels.HOME, panels.PERSON, panels.HOUSEHOLD):
        monkeypatch.setitem(panels._PANELS, page, {})
    return panels


def test_the_installed_apps_register_their_sections_in_the_order_the_page_had():
    assert [p.template for p in sorted(panels._PANELS[panels.PERSON].values(), key=lambda p: p.order)] == [
        "migration/_person_panel.html",
        "inclusion/_person_panel.html",
        "farming/_person_panel.html",
        "programmes/_person_programmes.html",
        # Added after the page was split into panels: a person's outcome surveys, then their PDP requests.
        "outcomes/_person_panel.html",
        "privacy/_person_panel.html",
    ]
    assert [p.template for p in panels._PANELS[panels.HOUSEHOLD].values()] == ["programmes/_person_programmes.html"]
    assert [p.template for p in panels._PANELS[panels.HOME].values()] == [
        "partners/_home_panel.html",
        "outcomes/_home_panel.html",
    ]


@pytest.mark.django_db
def test_it_renders_each_panel_with_the_page_context_and_its_own(own_panels, tmp_path, settings):
    # given two panels registered out of order, one with its own context
    (tmp_path / "one.html").write_text("<p>satu {{ person.full_name }}</p>")
    (tmp_path / "two.html").write_text("<p>dua {{ extra }} untuk {{ seen_by }}</p>")
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    own_panels.register_panel(
        own_panels.PERSON,
        "two",
        template="two.html",
        order=2,
        context=lambda *, actor, obj: {"extra": obj.pk, "seen_by": actor.username},
    )
    own_panels.register_panel(own_panels.PERSON, "one", template="one.html", order=1)
    factories.make_areas()
    person = factories.person(name="Siti Aminah")
    officer = factories.user("officer", username="petugas")
    client = Client()
    client.force_login(officer)

    # when the person page is shown
    body = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()

    # then both panels are there, in order, each with what it needs
    assert body.index("<p>satu Siti Aminah</p>") < body.index(f"<p>dua {person.pk} untuk petugas</p>")
