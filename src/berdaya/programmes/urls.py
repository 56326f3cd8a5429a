from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("baru/", views.programme_edit, name="programme_create"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/ubah/", views.programme_edit, name="programme_edit"),
    path("<int:pk>/kelulusan/", views.programme_complete, name="programme_complete"),
    path("<int:pk>/sesi/baru/", views.session_edit, name="session_create"),
    path("sesi/<int:session_id>/ubah/", views.session_edit, name="session_edit"),
    path("sesi/<int:session_id>/hapus/", views.session_delete, name="session_delete"),
    path("sesi/<int:session_id>/kehadiran/", views.session_attendance, name="session_attendance"),
    path("sesi/<int:session_id>/daftar-hadir/", views.session_sheet, name="session_sheet"),
    path("<int:pk>/peserta/cari/", views.enrol_search, name="enrol_search"),
    path("<int:pk>/peserta/tambah/", views.enrol, name="enrol"),
    path("<int:pk>/peserta/usulkan/", views.enrol_bulk, name="enrol_bulk"),
    path("<int:pk>/calon/", views.candidates, name="candidates"),
    path("peserta/<int:enrolment_id>/", views.enrolment_detail, name="enrolment_detail"),
    path("peserta/<int:enrolment_id>/status/", views.enrolment_transition, name="enrolment_transition"),
    path("peserta/<int:enrolment_id>/sertifikat/", views.certificate, name="certificate"),
    path("sertifikat/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("<int:pk>/bantuan/", views.assistance_ledger, name="assistance_ledger"),
    path("<int:pk>/bantuan/baru/", views.assistance_add, name="assistance_add"),
    path("bantuan/<int:assistance_id>/status/", views.assistance_transition, name="assistance_transition"),
    path("penduduk/<int:person_id>/kebutuhan/", views.person_needs, name="person_needs"),
]
