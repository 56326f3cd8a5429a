"""CPU of rendering one page's template, again and again with the same context, after its view ran once.

    DATABASE_URL=postgres://... python bench/render_cpu.py --people 1000000 --reuse /registri/?page=3

As an officer (bench/_world.py's): the view's `render` is caught once, then its template is rendered `--times` times
with the same context and request (`time.process_time()`; reads the template makes itself, such as the menu's unread
count and a panel's lazy querysets, are included). `--profile` prints cProfile's top lines (PROFILE_SORT, default
tottime). For another version of the application run the copy of this file in that checkout's `bench`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _http
from _setup import django_for_bench  # puts this checkout's src first on the path
from _world import add_world_arguments, build_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_world_arguments(parser)
    parser.add_argument("path")
    parser.add_argument("--times", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.update(_http.server_env({"BERDAYA_AGGREGATE_MAX_AGE": "1800"}))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    django_for_bench("load_cpu", keep=args.reuse)
    import django.shortcuts
    from django.template.loader import render_to_string
    from django.test import Client

    from berdaya.accounts.models import User

    world = build_world(args.people, reuse=args.reuse)
    caught = []
    real = django.shortcuts.render

    def catch(request, template_name, context=None, *a, **kw):
        caught.append((request, template_name, context))
        return real(request, template_name, context, *a, **kw)

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module, so that their `render` can be caught
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("berdaya.") and getattr(module, "render", None) is real:
            module.render = catch  # type: ignore[attr-defined]
    client = Client()
    client.force_login(User.objects.get(username=world["users"]["officer"]))
    client.get(args.path, HTTP_ACCEPT="text/html")
    request, template_name, context = caught[-1]
    for _ in range(5):
        render_to_string(template_name, context, request)
    start = time.process_time()
    for _ in range(args.times):
        render_to_string(template_name, context, request)
    print(f"{args.path} {template_name}: {(time.process_time() - start) / args.times * 1000:.2f} ms CPU per render")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.times):
            render_to_string(template_name, context, request)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(40)


if __name__ == "__main__":
    main()
