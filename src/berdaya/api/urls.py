from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import pages, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("households", views.HouseholdViewSet, basename="household")
router.register("people", views.PersonViewSet, basename="person")
router.register("groups", views.GroupViewSet, basename="group")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("attendance", views.AttendanceViewSet, basename="attendance")
router.register("assistance", views.AssistanceViewSet, basename="assistance")
router.register("plots", views.PlotViewSet, basename="plot")
router.register("harvests", views.HarvestViewSet, basename="harvest")
router.register("sales", views.SaleViewSet, basename="sale")
router.register("prices", views.PriceViewSet, basename="price")
router.register("migration-episodes", views.MigrationEpisodeViewSet, basename="migration-episode")

urlpatterns = [
    path("v1/public/prices/", views.PublicPrices.as_view(), name="public-prices"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the site's CSP (script-src 'self') holds; the assets
    # are drf-spectacular-sidecar's, served from this server (no CDN).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("token/", pages.token_list, name="tokens"),
    path("token/<int:pk>/cabut/", pages.token_revoke_view, name="token_revoke"),
]
