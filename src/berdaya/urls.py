from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults

from berdaya.api.errors import address_not_found as api_not_found
from berdaya.core import views as core_views
from berdaya.dci.views import address_not_found as dci_not_found
from berdaya.monitoring import views as monitoring_views
from berdaya.registry import views as registry_views

urlpatterns = [
    # Officers, admins and viewers land on the monitoring dashboard; facilitators and partner staff on the registry's
    # home (monitoring.access.dashboard_is_home), which stays reachable for everyone at /ringkasan/.
    path("", monitoring_views.home, name="dashboard"),
    path("ringkasan/", registry_views.dashboard, name="registry_home"),
    path("masuk/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # A district's page counts registry households: the registry's view, at the areas' address.
    path("wilayah/kecamatan/<str:code>/", registry_views.district_detail, name="district_detail"),
    path("wilayah/", include("berdaya.areas.urls")),
    path("registri/", include("berdaya.registry.urls")),
    path("migran/", include("berdaya.migration.urls")),
    path("inklusi/", include("berdaya.inclusion.urls")),
    path("sasaran/", include("berdaya.targeting.urls")),
    path("musdes/", include("berdaya.musdes.urls")),
    path("transparansi/", include("berdaya.transparency.urls")),
    path("pemantauan/", include("berdaya.monitoring.urls")),
    path("hasil/", include("berdaya.outcomes.urls")),
    path("laporan/", include("berdaya.reports.urls")),
    path("program/", include("berdaya.programmes.urls")),
    path("mitra/", include("berdaya.partners.urls")),
    path("tani/", include("berdaya.farming.urls")),
    path("harga/", include("berdaya.markets.urls")),
    path("impor/", include("berdaya.imports.urls")),
    path("lapangan/", include("berdaya.odk.urls")),
    path("duplikat/", include("berdaya.dedup.urls")),
    path("pengaduan/", include("berdaya.grievances.urls")),
    path("tugas/", include("berdaya.jobs.urls")),
    path("dci/", include("berdaya.dci.urls")),
    path("privasi/", include("berdaya.privacy.urls")),
    path("api/", include("berdaya.api.urls")),
    path("admin/", admin.site.urls),
    path("sehat/", core_views.health, name="health"),
]


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Machines get their interface's error body for an address that names nothing under /api/ or /dci/. A page for
    people there that raises 404 itself (API tokens, SPDCI deliveries) matched an address and keeps the HTML page, as
    does everything else. (With DEBUG on, Django shows its technical page instead of any handler.)"""
    if request.resolver_match is None:
        if request.path_info.startswith("/api/"):
            return api_not_found(request)
        if request.path_info.startswith("/dci/"):
            return dci_not_found(request)
    return defaults.page_not_found(request, exception)


handler404 = page_not_found
