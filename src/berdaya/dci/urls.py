"""/dci/social/... and /dci/farmer/...: the paths of the SPDCI specs (spec/*.yaml), under each registry."""

from __future__ import annotations

from django.urls import path

from . import views
from .models import Registry

app_name = "dci"

PATHS = {
    "registry/sync/search": "sync-search",
    "registry/search": "search",
    "registry/subscribe": "subscribe",
    "registry/unsubscribe": "unsubscribe",
    "registry/txn/status": "txn-status",
    "registry/sync/txn/status": "sync-txn-status",
}

urlpatterns = [
    path("pengiriman/", views.delivery_list_view, name="deliveries"),
    path("pengiriman/<int:pk>/kirim-ulang/", views.delivery_retry_view, name="delivery_retry"),
]
for registry in Registry.values:
    for spec_path, name in PATHS.items():
        urlpatterns.append(path(f"{registry}/{spec_path}", views.endpoint(registry, name), name=f"{registry}-{name}"))
