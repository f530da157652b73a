from django.urls import path

from . import views

urlpatterns = [
    path("escalations/", views.escalation_list, name="escalation_list"),
    path("escalations/<int:escalation_id>/", views.escalation_detail, name="escalation_detail"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path(
        "escalations/<int:escalation_id>/outcome/",
        views.escalation_outcome,
        name="escalation_outcome",
    ),
    path("ack/<str:token>/", views.escalation_ack_link, name="escalation_ack_link"),
]
