from django.urls import path

from . import views

app_name = "migration"
urlpatterns = [
    path("", views.home, name="home"),
    path("penjangkauan/", views.outreach, name="outreach"),
    path("penduduk/<int:person_pk>/episode-baru/", views.episode_create, name="episode_create"),
    path("episode/<int:pk>/", views.episode_detail, name="episode_detail"),
    path("episode/<int:pk>/ubah/", views.episode_edit, name="episode_edit"),
    path("episode/<int:pk>/tahap/", views.episode_advance, name="episode_advance"),
    path("kasus/", views.case_list, name="case_list"),
    path("penduduk/<int:person_pk>/pengaduan-baru/", views.case_intake, name="case_intake"),
    path("kasus/<int:pk>/", views.case_detail, name="case_detail"),
    path("kasus/<int:pk>/tahap/", views.case_move, name="case_move"),
    path("kasus/<int:pk>/rujukan/", views.case_refer, name="case_refer"),
    path("kasus/<int:pk>/jenis/", views.case_type, name="case_type"),
    path("kasus/<int:pk>/catatan/", views.case_note, name="case_note"),
    path("kasus/<int:pk>/dokumen/", views.case_document, name="case_document"),
    path("kasus/<int:pk>/dokumen/<int:document_pk>/", views.case_document_download, name="case_document_download"),
    path("kasus/<int:pk>/tugaskan/", views.case_assign, name="case_assign"),
    path("kasus/<int:pk>/tugaskan/<int:user_pk>/cabut/", views.case_unassign, name="case_unassign"),
    path("notifikasi/", views.notifications, name="notifications"),
    path("notifikasi/dibaca/", views.notifications_read, name="notifications_read"),
]
