"""The practice admin's oversight dashboard.

Included at the site root: ``path("", include("messaging.oversight_urls"))``.
"""

from django.urls import path

from messaging.oversight import views

urlpatterns = [
    path("practice/oversight/", views.oversight_dashboard, name="oversight_dashboard"),
]
