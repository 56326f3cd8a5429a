"""The JSON request body, refused in the language asked for: DRF words a body it cannot read in English only
("JSON parse error - <Python's decoder message>", "Unsupported charset ...") whatever Accept-Language says."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser (the same decoding, charsets and strictness); its refusals ours, Indonesian first, with the
    line and column of a syntax error."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        try:
            parsers.get_encoding(parser_context or {})
        except ParseError as exc:
            charset = (parser_context or {}).get("encoding", "")
            raise ParseError(
                _('Charset "%(charset)s" pada header Content-Type tidak didukung.') % {"charset": charset}
            ) from exc
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            error = exc.__context__
            if isinstance(error, json.JSONDecodeError):
                where = {"line": error.lineno, "column": error.colno}
                raise ParseError(
                    _("Isi permintaan bukan JSON yang sah (baris %(line)d, kolom %(column)d).") % where
                ) from exc
            raise ParseError(_("Isi permintaan bukan JSON yang sah.")) from exc
