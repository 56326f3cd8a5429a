from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("jadwal/", views.schedule_list, name="schedule"),
    path("jadwal/<str:key>/", views.schedule_edit, name="schedule_edit"),
    path("jadwal/<str:key>/jalankan/", views.schedule_run_now, name="schedule_run"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/kemajuan/", views.job_progress, name="progress"),
    path("<int:pk>/batal/", views.job_cancel_view, name="cancel"),
    path("<int:pk>/ulang/", views.job_retry_view, name="retry"),
]
