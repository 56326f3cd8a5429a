"""Gunicorn settings for production: `gunicorn -c python:berdaya.gunicorn_conf berdaya.wsgi:application`.

Gunicorn logs through its own loggers, not Django's LOGGING: its access log prints each request line with the query
string (a search by NIK) and the referrer. The same personal-data filter as Django's logs is put on both loggers.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from berdaya.core.logging import RedactPersonalData

accesslog = "-"


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactPersonalData) for f in log.filters):
                log.addFilter(RedactPersonalData())


logger_class = RedactingLogger
