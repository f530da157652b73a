"""The practice admin's oversight dashboard.

Included at the site root: ``path("", include("messaging.oversight_urls"))``.
"""

from django.urls import path

from messaging.oversight import views as oversight_views

urlpatterns = [
    path("practice/oversight/", oversight_views.oversight_dashboard, name="oversight_dashboard"),
]
