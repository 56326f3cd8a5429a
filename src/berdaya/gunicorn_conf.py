"""Gunicorn settings for production: `gunicorn -c python:berdaya.gunicorn_conf berdaya.wsgi:application`.

Gunicorn logs through its own loggers, not Django's LOGGING: its access log prints each request line with the query
string (a search by NIK) and the referrer. The same personal-data filter as Django's logs is put on both loggers.
"""

from __future__ import annotations

import gc

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

# The cyclic garbage collector, tuned for a worker that serves requests for days (docs/decisions.md "The garbage
# collector of a web worker"). A request allocates tens of thousands of objects that reference counting frees; at
# Python's default threshold (700) the collector still ran about twice per request, and every so often a full
# collection walked the whole application (Django, the apps, the compiled queries: about 400,000 objects, 0.1-0.2 s
# each). Objects alive once the application is loaded are moved out of the collector's reach (`gc.freeze`: they
# live as long as the worker), and a young generation of 50,000 allocations lets most of a request's garbage die
# before it is ever examined. Cycles are still collected.
GC_THRESHOLD = (50_000, 20, 10)


def post_worker_init(worker):
    # The views and their modules are imported by the URL configuration, on the first request otherwise.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the property imports them)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
