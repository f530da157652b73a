"""Response headers every page carries, beside the Content-Security-Policy (django-csp).

- ``Permissions-Policy``: the browser features the app never uses are off for it and for
  anything it might embed (camera, microphone, location, payment, USB...).
- ``Cache-Control: no-store``: every page Django renders is private or a capability (a signed
  acknowledgement link, an invitation, a password reset) or may carry a CSRF token, so no browser
  or proxy keeps a copy. Static files never reach this middleware: whitenoise answers them first
  with their own long-lived caching.
- ``Server``: Django's development server (``runserver``, which ``make run`` uses) names itself
  and the Python version; the app answers with its bare name instead. gunicorn always sends its
  own bare ``Server: gunicorn`` (no version) and ignores the app's, so the header is left to it
  there.
"""

from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SERVER_NAME = "contactpolicy"
# The stdlib server's SERVER_SOFTWARE (``WSGIServer/0.2``): runserver and the test live server.
_DEVELOPMENT_SERVER = "WSGIServer/"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        patch_cache_control(response, no_store=True, private=True)
        if request.META.get("SERVER_SOFTWARE", "").startswith(_DEVELOPMENT_SERVER):
            response["Server"] = SERVER_NAME
        return response
