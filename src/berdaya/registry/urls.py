from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("tanpa-nik/", views.no_nik_list, name="no_nik_list"),
    path("penduduk/<int:pk>/", views.person_detail, name="person_detail"),
    path("penduduk/<int:pk>/ubah/", views.person_edit, name="person_edit"),
    path("penduduk/<int:pk>/peristiwa/<str:kind>/", views.person_event, name="person_event"),
    path("penduduk/<int:pk>/persetujuan/", views.consent_add, name="consent_add"),
    path("rumah-tangga/baru/", views.household_register, name="household_register"),
    path("rumah-tangga/<int:pk>/", views.household_detail, name="household_detail"),
    path("rumah-tangga/<int:pk>/ubah/", views.household_edit, name="household_edit"),
    path("rumah-tangga/<int:pk>/anggota-baru/", views.household_add_member, name="household_add_member"),
    path("rumah-tangga/<int:pk>/pecah-kk/", views.household_split, name="household_split"),
    path("kelompok/", views.group_list, name="group_list"),
    path("kelompok/baru/", views.group_edit, name="group_create"),
    path("kelompok/<int:pk>/", views.group_detail, name="group_detail"),
    path("kelompok/<int:pk>/ubah/", views.group_edit, name="group_edit"),
    path("kelompok/<int:pk>/cari-anggota/", views.group_member_search, name="group_member_search"),
    path("kelompok/<int:pk>/anggota/", views.group_member_add, name="group_member_add"),
    path(
        "kelompok/<int:pk>/anggota/<int:membership_id>/akhiri/",
        views.group_member_end,
        name="group_member_end",
    ),
]
