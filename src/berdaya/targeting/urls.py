from django.urls import path

from . import views

app_name = "targeting"
urlpatterns = [
    path("", views.index, name="index"),
    path("kabupaten/", views.regency, name="regency"),
    path("skor/", views.score, name="score"),
    path("skor/ubah/", views.score_edit, name="score_edit"),
    path("skor/hitung/", views.score_compute, name="score_compute"),
    path("rumah-tangga/<int:pk>/skor/", views.household_score, name="household_score"),
    path("rumah-tangga/<int:pk>/verifikasi/", views.household_verify, name="household_verify"),
    path("aturan/baru/", views.ruleset_edit, name="ruleset_create"),
    path("aturan/hitung/", views.live_count, name="live_count"),
    path("aturan/baris/", views.condition_row, name="condition_row"),
    path("aturan/<int:pk>/", views.ruleset_detail, name="ruleset_detail"),
    path("aturan/<int:pk>/mutu/", views.ruleset_quality, name="ruleset_quality"),
    path("aturan/<int:pk>/ubah/", views.ruleset_edit, name="ruleset_edit"),
    path("aturan/<int:pk>/jalankan/", views.run_start_view, name="run_start"),
    path("proses/<int:pk>/", views.run_detail, name="run_detail"),
    path("proses/<int:pk>/mutu/", views.run_quality, name="run_quality"),
    path("proses/<int:pk>/tinjau/<int:candidate_id>/", views.candidate_review, name="candidate_review"),
    path("proses/<int:pk>/tambah/", views.candidate_add_view, name="candidate_add"),
    path("proses/<int:pk>/cari-penduduk/", views.candidate_search, name="candidate_search"),
    path("proses/<int:pk>/setujui/", views.run_approve_view, name="run_approve"),
]
