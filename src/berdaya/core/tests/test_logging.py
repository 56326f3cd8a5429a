"""No NIK, KK or phone number reaches a log line (UU 27/2022)."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings

from berdaya.core.logging import RedactPersonalData, redact

NIK = "1502015403850012"
KK = "1502011506180003"


@pytest.fixture
def log():
    """A logger whose handler applies the filter the way settings.LOGGING does, writing to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("berdaya.tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "text",
    [
        f"NIK {NIK} ditolak",
        f"nik={NIK}",
        f"KK:{KK}.",
        "HP 081234567890",
        "HP +6281234567890",
        "HP 6281234567890, lalu",
        "08123456789",
    ],
)
def test_it_redacts_identity_and_phone_numbers(text):
    cleaned = redact(text)
    assert "[disamarkan]" in cleaned
    assert not any(number in cleaned for number in (NIK, KK, "1234567890", "23456789"))


@pytest.mark.parametrize(
    "text",
    [
        "rumah tangga #1502 diubah",
        "150201540385001 (15 digit)",
        "15020154038500123 (17 digit)",
        "telepon kantor 0746-21234",
        "tahun 2024, 3 anggota",
    ],
)
def test_it_leaves_other_numbers_alone(text):
    assert redact(text) == text


def test_it_redacts_numbers_passed_as_arguments(log):
    logger, stream = log
    logger.info("Simpan %s, HP %s, rumah tangga #%d", NIK, "081234567890", 42)
    logger.warning("Impor baris %(row)s: NIK %(nik)s", {"row": 14, "nik": NIK})
    output = stream.getvalue()
    assert NIK not in output
    assert "081234567890" not in output
    assert "INFO Simpan [disamarkan], HP [disamarkan], rumah tangga #42" in output
    assert "WARNING Impor baris 14: NIK [disamarkan]" in output


def test_it_leaves_clean_records_untouched(log):
    logger, _stream = log
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "rumah tangga #%d", (42,), None)
    assert RedactPersonalData().filter(record) is True
    assert (record.msg, record.args) == ("rumah tangga #%d", (42,))


def test_it_redacts_numbers_in_a_logged_exception(log):
    logger, stream = log
    try:
        raise ValueError(f"duplicate key value violates unique constraint: Key (nik)=({NIK}) already exists.")
    except ValueError:
        logger.exception("Gagal menyimpan penduduk")
    output = stream.getvalue()
    assert "Traceback" in output
    assert "Gagal menyimpan penduduk" in output
    assert NIK not in output


def test_it_survives_a_malformed_logging_call(log):
    logger, stream = log
    logger.error("NIK %s dan KK %s", NIK)  # one argument short: must not raise into the caller
    output = stream.getvalue()
    assert NIK not in output
    assert "[disamarkan]" in output


def test_it_is_configured_on_the_console_handler():
    handler = settings.LOGGING["handlers"]["console"]
    assert "pii" in handler["filters"]
    assert settings.LOGGING["filters"]["pii"]["()"] == "berdaya.core.logging.RedactPersonalData"


@pytest.mark.parametrize("text", ["0812-3456-7890", "+62 812 3456 7890", "0812.3456.789", "1502 0154 0385 0002"])
def test_it_redacts_numbers_written_with_separators(text):
    from berdaya.core.logging import redact

    assert redact(f"hubungi {text} segera") == "hubungi [disamarkan] segera"


def test_it_leaves_dates_and_amounts_alone():
    from berdaya.core.logging import redact

    assert redact("2026-11-28 Rp1.500.000 12 peserta") == "2026-11-28 Rp1.500.000 12 peserta"


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /registri/?q={NIK} HTTP/1.1" 200',
        '"GET /registri/?q=1502+0154+0385+0012 HTTP/1.1" 200',
        '"GET /registri/?q=1502%200154%200385%200012 HTTP/1.1" 200',
        '"GET /registri/?q=%2B6281234567890 HTTP/1.1" 200',
        '"GET /registri/?q=0812+3456+7890&page=2 HTTP/1.1" 200',
    ],
)
def test_it_redacts_numbers_in_a_request_line(line):
    cleaned = redact(line)
    assert "[disamarkan]" in cleaned
    assert not any(part in cleaned for part in ("0154", "3456", "81234567890"))


def test_the_request_log_of_the_development_server_passes_through_the_filter():
    server = settings.LOGGING["loggers"]["django.server"]
    assert server["handlers"] == ["console"] and server["propagate"] is False
    # (pytest adds its own capture handlers; the configured console handler is the one that writes.)
    handlers = logging.getLogger("django.server").handlers
    assert any(any(isinstance(f, RedactPersonalData) for f in h.filters) for h in handlers)


@pytest.mark.parametrize("name", ["django", "django.request", "django.server", "berdaya", "axes"])
def test_every_handler_a_record_reaches_applies_the_filter(name):
    # Django's default "django" logger has its own console and e-mail handlers: none may write unfiltered.
    logger = logging.getLogger(name)
    while logger is not None:
        configured = [h for h in logger.handlers if type(h).__module__.startswith(("logging", "django"))]
        assert all(any(isinstance(f, RedactPersonalData) for f in h.filters) for h in configured), (
            logger.name,
            configured,
        )
        logger = logger.parent if logger.propagate else None


@pytest.mark.parametrize(
    "line",
    [
        # The last digits percent-encoded: the search still finds the person.
        '"GET /registri/?q=15020107016900%30%35 HTTP/1.1" 200',
        '"GET /registri/?q=%31%35%30%32%30%31%30%37%30%31%36%39 HTTP/1.1" 200',
        # A 12-digit NIK prefix: the registry search matches it.
        '"GET /registri/?q=150201070169 HTTP/1.1" 200 5120',
        '"GET /registri/?q=1502+0107+0169 HTTP/1.1" 200',
        '"GET /registri/?q=1502-0107-01 HTTP/1.1" 200',
        '10.0.0.1 "GET /x/ HTTP/1.1" 200 "https://berdaya.example/registri/?q=150201070169&page=2"',
    ],
)
def test_it_decodes_a_url_and_redacts_any_long_number_in_it(line, log):
    cleaned = redact(line)
    assert "[disamarkan]" in cleaned
    assert not any(part in cleaned for part in ("0107", "%30%35", "%30%31%36%39")), cleaned
    logger, stream = log
    logger.info('"%s %s %s" %s', "GET", "/registri/?q=15020107016900%30%35", "HTTP/1.1", 200)
    assert '"GET /registri/?q=[disamarkan] HTTP/1.1" 200' in stream.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        '"GET /registri/penduduk/123456/riwayat/?page=2 HTTP/1.1" 200 51234',
        '"GET /harga/?dari=2026-11-01&sampai=2026-11-30&komoditas=12 HTTP/1.1" 200',
        '"GET /registri/?village=15.02.01.2001&page=3 HTTP/1.1" 200',
        '"GET /tugas/550e8400-e29b-41d4-a716-446655440000/ HTTP/1.1" 302',
        '"GET /static/app.3f2a9c1d0b7e.js HTTP/1.1" 200',
    ],
)
def test_it_keeps_ids_dates_and_counts_in_a_url_readable(line):
    assert redact(line) == line


def test_decoding_a_url_cannot_split_a_log_line():
    cleaned = redact('"GET /registri/?q=%0A150201070169%0Dpalsu HTTP/1.1" 200')
    assert "\n" not in cleaned and "\r" not in cleaned and "0107" not in cleaned


@pytest.fixture
def console():
    """The configured console handler (refusals, pii filters), writing to a string for the test."""
    handler = next(
        h for h in logging.getLogger("django").handlers if any(isinstance(f, RedactPersonalData) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def _respond(status: int, exception: Exception):
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.log import log_response

    request = RequestFactory().get("/registri/penduduk/1502010701690005/")
    # The call Django's exception handler makes for a PermissionDenied or a BadRequest.
    log_response(
        "Forbidden (Permission denied): %s",
        request.path,
        response=HttpResponse(status=status),
        request=request,
        exception=exception,
    )


def test_a_refused_request_logs_one_line_without_a_traceback(console):
    from django.core.exceptions import PermissionDenied

    try:
        raise PermissionDenied("Peran Anda hanya boleh melihat data agregat")
    except PermissionDenied as exc:
        _respond(403, exc)
    output = console.getvalue()
    assert output == "403 Forbidden (Permission denied): /registri/penduduk/[disamarkan]/\n"


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise ValueError("rusak")
    except ValueError as exc:
        _respond(500, exc)
    assert "Traceback" in console.getvalue() and "ValueError: rusak" in console.getvalue()
