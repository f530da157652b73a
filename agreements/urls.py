from django.urls import path

from . import token_views, views

urlpatterns = [
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    # practice admin
    path("practice/", views.practice_home, name="practice_home"),
    path("practice/invite/", views.staff_invite, name="staff_invite"),
    path("practice/settings/", views.practice_settings, name="practice_settings"),
    # therapist
    path("therapist/", views.therapist_home, name="therapist_home"),
    path("therapist/invite/", views.client_invite, name="client_invite"),
    path("therapist/hours/", views.office_hours, name="office_hours"),
    path("therapist/away/", views.away_periods, name="away_periods"),
    path(
        "therapist/away/<int:period_id>/delete/",
        views.away_period_delete,
        name="away_period_delete",
    ),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/agreement/draft/", views.agreement_draft, name="agreement_draft"),
    path("clients/<int:client_id>/safety-plan/", views.safety_plan_edit, name="safety_plan_edit"),
    path(
        "clients/<int:client_id>/crisis-period/", views.crisis_period_new, name="crisis_period_new"
    ),
    path("crisis-periods/<int:period_id>/end/", views.crisis_period_end, name="crisis_period_end"),
    path("agreements/<int:agreement_id>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:agreement_id>/edit/", views.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<int:agreement_id>/changes/",
        views.agreement_changes,
        name="agreement_changes",
    ),
    path(
        "agreements/<int:agreement_id>/<str:action>/",
        views.agreement_transition,
        name="agreement_transition",
    ),
    # client
    path("me/", views.client_home, name="client_home"),
    path("me/agreement/", views.client_agreement, name="client_agreement"),
    path(
        "me/agreement/<int:agreement_id>/accept/",
        views.client_agreement_accept,
        name="client_agreement_accept",
    ),
    path("me/safety-plan/", views.client_safety_plan, name="client_safety_plan"),
    path("me/crisis-help/", views.client_crisis_help, name="client_crisis_help"),
    path("me/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "me/api-tokens/<int:token_id>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
]
