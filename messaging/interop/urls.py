"""The FHIR export of a client's record (the API's admin endpoint is in ``api``)."""

from django.urls import path

from messaging.interop import views

urlpatterns = [
    path(
        "clients/<int:client_id>/fhir/",
        views.client_fhir_export_download,
        name="client_fhir_export",
    ),
]
