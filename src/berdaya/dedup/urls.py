from django.urls import path

from . import views

app_name = "dedup"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("pasangan/<int:pk>/", views.pair_detail, name="pair_detail"),
    path("pasangan/<int:pk>/putuskan/", views.pair_decide, name="pair_decide"),
    path("keputusan/", views.decision_list, name="decision_list"),
    path("keputusan/<int:pk>/batalkan/", views.decision_revoke, name="decision_revoke"),
    path("penggabungan/", views.merge_list, name="merge_list"),
    path("penggabungan/<int:pk>/batalkan/", views.merge_undo, name="merge_undo"),
    path("proses/", views.run_list, name="run_list"),
    path("proses/mulai/", views.run_start, name="run_start"),
]
