from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisasi/", views.organisation_list, name="organisation_list"),
    path("organisasi/baru/", views.organisation_edit, name="organisation_create"),
    path("organisasi/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisasi/<int:pk>/ubah/", views.organisation_edit, name="organisation_edit"),
    path("organisasi/<int:organisation_pk>/komitmen/baru/", views.commitment_create, name="commitment_create"),
    path("komitmen/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("komitmen/<int:pk>/realisasi/", views.contribution_create, name="contribution_create"),
    path("perjanjian/", views.agreement_list, name="agreement_list"),
    path("perjanjian/baru/", views.agreement_edit, name="agreement_create"),
    path("perjanjian/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("perjanjian/<int:pk>/ubah/", views.agreement_edit, name="agreement_edit"),
    path("perjanjian/<int:pk>/status/", views.agreement_transition, name="agreement_transition"),
    path("perjanjian/<int:pk>/dokumen/", views.agreement_document, name="agreement_document"),
    path(
        "perjanjian/<int:pk>/dokumen/<int:document_pk>/",
        views.agreement_document_download,
        name="agreement_document_download",
    ),
    path("4w/", views.matrix, name="matrix"),
    path("4w/xlsx/", views.matrix_xlsx, name="matrix_xlsx"),
    path("kesenjangan/", views.gaps, name="gaps"),
    path("kesenjangan/xlsx/", views.gaps_xlsx, name="gaps_xlsx"),
    path("dari-kelompok/<int:group_pk>/", views.organisation_from_group, name="organisation_from_group"),
]
