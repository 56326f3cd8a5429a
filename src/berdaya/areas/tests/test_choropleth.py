"""The choropleth renderer over the shipped Merangin boundaries."""

import re

from berdaya.areas.choropleth import choropleth, class_bounds


def test_class_bounds_are_increasing_quantiles_ending_at_the_maximum():
    bounds = class_bounds([0, 1, 2, 3, 4, 5, 100, 250, 1234, "<5", None])
    assert bounds == sorted(set(bounds)) and bounds[-1] == 1234 and len(bounds) <= 5
    assert class_bounds([0, None, "<5"]) == []


def test_districts_are_coloured_by_class_and_suppressed_ones_hatched(settings):
    values = {f"15.02.{i:02d}": i * 100 for i in range(1, 25)} | {"15.02.03": "<5", "15.02.04": 0}
    drawn = choropleth("districts", values, title="Penduduk", unit="orang", link=lambda c: f"/peta/?district={c}")
    assert drawn is not None and len(drawn.rows) == 24
    svg = str(drawn.svg)
    assert svg.count("<path") == 24 and 'role="img"' in svg
    assert 'fill="url(#hatch)"' in svg and any(item.hatched for item in drawn.legend)
    assert {r.klass for r in drawn.rows if r.code == "15.02.03"} == {-1}
    assert {r.klass for r in drawn.rows if r.code == "15.02.04"} == {0}
    assert "/peta/?district=15.02.01" in svg
    # Every area keeps its value in its title (and the table), whether or not its label fitted.
    assert "Jangkat: 100 orang" in svg


def test_labels_never_overlap():
    drawn = choropleth("villages", {}, title="Desa", within="15.02.07")
    assert drawn is not None
    boxes = []
    for x, y, size, name in re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)" font-size="([\d.]+)" text-anchor="middle"[^>]*>([^<]+)</text>', str(drawn.svg)
    ):
        w, h = len(name) * float(size) * 0.56 + 2, float(size) + 2
        boxes.append((float(x) - w / 2, float(y) - h, float(x) + w / 2, float(y)))
    assert boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5 or a[3] <= b[1] + 0.5 or b[3] <= a[1] + 0.5


def test_no_outlines_no_map():
    assert choropleth("districts", {}, title="x", within="99.99") is None


def test_an_english_reader_reads_the_map_in_english():
    from django.utils import translation

    values = {f"15.02.{i:02d}": i * 1000 for i in range(1, 25)} | {"15.02.03": "<5", "15.02.05": None}
    with translation.override("en"):
        drawn = choropleth("districts", values, title="People", unit="people")
    assert drawn is not None
    svg = str(drawn.svg)
    legend = [item.label for item in drawn.legend]
    assert "0 / no data" in legend and "<5 (suppressed)" in legend
    assert "map of 24 areas, full values in the table." in svg
    assert "Jangkat: 1,000 people" in svg and "no data" in svg and "no data people" not in svg
    assert "tidak ada data" not in svg + " ".join(legend)
    # Whole-number class bounds are written without a decimal.
    assert not any(label.endswith(".0 people") or ".0–" in label for label in legend), legend
