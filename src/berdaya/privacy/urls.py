from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("baru/", views.request_new, name="request_new"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/jalankan/", views.request_carry_out, name="request_carry_out"),
    path("<int:pk>/salinan/<str:fmt>/", views.request_copy, name="request_copy"),
    path("jejak-audit/", views.audit_trail, name="audit"),
    path("insiden/", views.breach_list, name="breach_list"),
    path("insiden/baru/", views.breach_edit, name="breach_new"),
    path("insiden/<int:pk>/", views.breach_edit, name="breach_edit"),
    path("insiden/ekspor/<str:fmt>/", views.breach_export, name="breach_export"),
    path("masa-simpan/", views.retention_page, name="retention"),
]
