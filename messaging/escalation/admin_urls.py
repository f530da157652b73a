"""Practice-admin pages for escalation policies and on-call schedules.

Included at the site root: ``path("", include("messaging.escalation.admin_urls"))``.
"""

from django.urls import path

from . import admin_views as views

urlpatterns = [
    path("escalation/policies/", views.policy_list, name="policy_list"),
    path("escalation/policies/new/", views.policy_new, name="policy_new"),
    path("escalation/policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path(
        "escalation/policies/<int:policy_id>/default/",
        views.policy_make_default,
        name="policy_make_default",
    ),
    path("on-call/", views.schedule_list, name="schedule_list"),
    path("on-call/new/", views.schedule_new, name="schedule_new"),
    path("on-call/<int:schedule_id>/", views.schedule_edit, name="schedule_edit"),
    path("on-call/<int:schedule_id>/calendar/", views.schedule_calendar, name="schedule_calendar"),
    path(
        "on-call/<int:schedule_id>/overrides/",
        views.schedule_overrides,
        name="schedule_overrides",
    ),
    path(
        "on-call/overrides/<int:override_id>/delete/",
        views.override_delete,
        name="override_delete",
    ),
]
