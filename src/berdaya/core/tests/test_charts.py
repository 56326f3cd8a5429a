"""Server-drawn SVG charts: accessible, escaped, never drawing a suppressed count."""

import re

from berdaya.core.charts import Series, bar_chart, line_chart, number, stacked_bar_chart


def _bars(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="\d+" fill=', svg)]


def test_it_gives_every_chart_a_title_and_description_and_escapes_labels():
    svg = bar_chart(["<b>Jangkat</b>"], [Series("Terdaftar", [12])], title="Penduduk & rentan", desc="Per kecamatan")
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "&lt;b&gt;Jangkat&lt;/b&gt;" in svg and "<b>" not in svg
    assert "Penduduk &amp; rentan" in svg


def test_bar_lengths_follow_the_values_and_a_suppressed_count_is_written_not_drawn():
    svg = bar_chart(["A", "B", "C"], [Series("n", [10, 5, "<5"])], title="t")
    widths = _bars(svg)
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2
    assert "&lt;5" in svg


def test_stacked_bars_say_at_least_when_a_segment_is_suppressed():
    svg = stacked_bar_chart(["0-17"], [Series("P", [7]), Series("L", ["<5"])], title="t")
    assert "≥7" in svg


def test_a_line_has_a_gap_where_a_value_is_missing_and_empty_data_says_so():
    svg = line_chart(["01", "02", "03", "04"], [Series("Karet", [8000, None, 9000, 9500])], title="Harga")
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
    assert "Belum ada data" in bar_chart([], [], title="x")
    assert "Belum ada data" in line_chart(["01"], [Series("a", [None])], title="x")


def test_numbers_are_written_the_indonesian_way():
    assert number(1234567) == "1.234.567"
    assert number(12.5) == "12,5" and number(2.0) == "2,0"
    assert number("<5") == "<5" and number(None) == "–"


def test_a_long_category_name_is_shortened_beside_the_bars_with_its_full_name_kept():
    name = "Rumah tangga dikepalai perempuan"
    svg = bar_chart([name, "A"], [Series("n", [3, 4])], title="t", width=320)
    assert "…<title>Rumah tangga dikepalai perempuan</title>" in svg


def test_counts_and_their_axis_are_written_as_whole_numbers_and_means_keep_their_decimal():
    # A bar's total of counts is a count ("418", not "418,0"), and so is the end of an axis of counts.
    svg = stacked_bar_chart(["0-17"], [Series("P", [400]), Series("L", [18])], title="t", unit="orang")
    assert ">418<" in svg and "418,0" not in svg
    assert "0 – 500 orang" in svg
    bars = bar_chart(["A"], [Series("n", [16])], title="t", unit="orang")
    assert ">20 orang<" in bars and "20,0" not in bars
    assert ">≥7<" in stacked_bar_chart(["0-17"], [Series("P", [7]), Series("L", ["<5"])], title="t")
    # Floats (a mean, a share) keep their one decimal, in the bar and in its total.
    assert ">2,5<" in stacked_bar_chart(["x"], [Series("a", [1.5]), Series("b", [1.0])], title="t")
    assert "0,5" in bar_chart(["A"], [Series("share", [0.3])], title="t")


def test_an_empty_chart_says_so_in_the_readers_language():
    from django.utils import translation

    with translation.override("en"):
        assert "No data yet." in bar_chart([], [], title="x")
    with translation.override("id"):
        assert "Belum ada data." in bar_chart([], [], title="x")


def test_numbers_are_written_as_the_readers_language_writes_them():
    from django.utils import translation

    with translation.override("en"):
        assert number(1234567) == "1,234,567"
        assert number(12.5) == "12.5" and number(2.0) == "2.0" and number(1234.96) == "1,235.0"
    with translation.override("id"):
        assert number(1234567) == "1.234.567" and number(1234.96) == "1.235,0"
