from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bagan/<str:key>/unduh.<str:fmt>", views.panel_download, name="panel_download"),
    path("rincian/", views.breakdown, name="breakdown"),
    path("rincian/unduh.<str:fmt>", views.breakdown_download, name="breakdown_download"),
    path("peta/", views.map_view, name="map"),
    path("peta/unduh.<str:fmt>", views.map_download, name="map_download"),
    path("perbarui/", views.refresh_now, name="refresh"),
    path("indikator/", views.indicator_list, name="indicator_list"),
    path("indikator/baru/", views.indicator_edit, name="indicator_create"),
    path("indikator/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indikator/<int:pk>/ubah/", views.indicator_edit, name="indicator_edit"),
    path("indikator/<int:pk>/potret/", views.indicator_snapshot, name="indicator_snapshot"),
]
