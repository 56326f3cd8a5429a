from django.urls import path

from . import views

app_name = "grievances"

urlpatterns = [
    path("", views.grievance_list, name="list"),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("baru/", views.grievance_new, name="new"),
    path("<int:pk>/", views.grievance_detail, name="detail"),
    path("<int:pk>/teruskan/", views.forward, name="forward"),
    path("<int:pk>/putuskan/", views.decide, name="decide"),
    path("<int:pk>/eskalasi/", views.escalate, name="escalate"),
    path("<int:pk>/tutup/", views.close, name="close"),
    path("<int:pk>/banding/", views.appeal, name="appeal"),
    path("<int:pk>/tautan/", views.link, name="link"),
    path("<int:pk>/tunjuk/", views.assign, name="assign"),
    # Public: no login.
    path("kirim/", views.public_form, name="public_form"),
    path("lacak/", views.public_status, name="public_status"),
    path("lacak/<str:code>/", views.public_status, name="public_status_code"),
    path("masuk/<str:channel>/", views.inbound, name="inbound"),
]
