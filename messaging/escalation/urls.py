"""Escalations (the page, the list, acknowledging, the outcome, the acknowledgement link) and the
practice admin's escalation policies and on-call schedules. Names are in the ``escalation``
namespace: ``{% url 'escalation:detail' id %}``.
"""

from django.urls import path

from messaging.escalation import views

app_name = "escalation"

urlpatterns = [
    path("escalations/", views.escalation_list, name="list"),
    path("escalations/<int:escalation_id>/", views.escalation_detail, name="detail"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="acknowledge",
    ),
    path("escalations/<int:escalation_id>/outcome/", views.escalation_outcome, name="outcome"),
    path("ack/<str:token>/", views.escalation_ack_link, name="ack_link"),
    # practice admin: policies
    path("escalation/policies/", views.policy_list, name="policy_list"),
    path("escalation/policies/new/", views.policy_new, name="policy_new"),
    path("escalation/policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path(
        "escalation/policies/<int:policy_id>/default/",
        views.policy_make_default,
        name="policy_make_default",
    ),
    # practice admin: on-call schedules
    path("on-call/", views.schedule_list, name="schedule_list"),
    path("on-call/new/", views.schedule_new, name="schedule_new"),
    path("on-call/<int:schedule_id>/", views.schedule_edit, name="schedule_edit"),
    path("on-call/<int:schedule_id>/calendar/", views.schedule_calendar, name="schedule_calendar"),
    path(
        "on-call/<int:schedule_id>/overrides/", views.schedule_overrides, name="schedule_overrides"
    ),
    path(
        "on-call/overrides/<int:override_id>/delete/",
        views.override_delete,
        name="override_delete",
    ),
]
