"""The application's routes plus the floor the intake is measured against (bench only)."""

from django.urls import path

from contactpolicy.urls import urlpatterns as application
from tests.bench import views

urlpatterns = [path("bench/bare-insert", views.bare_insert), *application]
