from django.urls import path

from . import views

app_name = "musdes"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/catat/", views.meeting_record, name="meeting_record"),
    path("<int:pk>/berita-acara/", views.minutes_upload, name="minutes_upload"),
    path("<int:pk>/berita-acara/<int:document_pk>/", views.minutes_download, name="minutes_download"),
    path("<int:pk>/keputusan/", views.decision_save, name="decision_save"),
    path("<int:pk>/tambah/", views.person_add, name="person_add"),
    path("<int:pk>/terapkan/", views.meeting_apply, name="meeting_apply"),
    path("<int:pk>/pengumuman.pdf", views.notice_pdf, name="notice_pdf"),
    path("usulan-siksng/", views.proposal_export, name="proposal_export"),
    path("dtsen/impor/", views.decile_import, name="decile_import"),
    path("dtsen/rekonsiliasi/", views.reconciliation, name="reconciliation"),
    path("dtsen/rekonsiliasi.csv", views.reconciliation_csv, name="reconciliation_csv"),
]
