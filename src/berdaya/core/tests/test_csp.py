"""The site's CSP middleware (core.middleware.CSPMiddleware) writes exactly the headers django-csp writes: for a plain
response from the settings' policy built once, and for anything else (a nonce, a view's own policy, an exemption,
an excluded path, a setting changed) through django-csp itself."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, NONE, SELF
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSP
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from berdaya.core.middleware import CSPMiddleware


def both(path: str = "/api/v1/people/", prepare=None, nonce: bool = False) -> list[dict[str, str | None]]:
    """The CSP headers each middleware writes for the same request and response."""
    out = []
    for middleware in (CSPMiddleware(lambda r: HttpResponse()), DjangoCSP(lambda r: HttpResponse())):
        request = RequestFactory().get(path)
        middleware.process_request(request)
        if nonce:
            str(request.csp_nonce)
            request._csp_nonce = "fixed-for-the-test"  # the same nonce for both
        response = HttpResponse("{}")
        if prepare:
            prepare(response)
        response = middleware.process_response(request, response)
        out.append({h: response.get(h) for h in (HEADER, HEADER_REPORT_ONLY)})
    return out


def test_a_plain_response_gets_django_csps_header():
    ours, theirs = both()
    assert ours == theirs
    assert "default-src 'self'" in str(ours[HEADER])


def test_a_view_of_its_own_and_a_nonce_go_through_django_csp():
    def update(response):
        response._csp_update = {"img-src": ["https://peta.example"]}

    ours, theirs = both(prepare=update)
    assert ours == theirs and "https://peta.example" in str(ours[HEADER])

    # The site's policy names no nonce, so django-csp writes none; with one asked for, it decides.
    ours, theirs = both(nonce=True)
    assert ours == theirs
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}):
        ours, theirs = both(nonce=True)
    assert ours == theirs and "nonce-fixed-for-the-test" in str(ours[HEADER])

    def exempt(response):
        response._csp_exempt = True

    ours, theirs = both(prepare=exempt)
    assert ours == theirs == {HEADER: None, HEADER_REPORT_ONLY: None}


def test_a_changed_setting_is_followed():
    policy = {"DIRECTIVES": {"default-src": [NONE]}, "EXCLUDE_URL_PREFIXES": ["/bebas/"]}
    report = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/laporan/"}}
    both()  # the site's policy built first
    with override_settings(CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=report):
        ours, theirs = both()
        assert ours == theirs and ours[HEADER] == "default-src 'none'" and ours[HEADER_REPORT_ONLY]
        ours, theirs = both(path="/bebas/halaman/")
        assert ours == theirs and ours[HEADER] is None
    ours, theirs = both()
    assert ours == theirs and "default-src 'self'" in str(ours[HEADER]) and ours[HEADER_REPORT_ONLY] is None


def test_a_nonce_asked_for_after_the_header_is_an_error():
    middleware = CSPMiddleware(lambda r: HttpResponse())
    request = RequestFactory().get("/")
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
