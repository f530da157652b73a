"""Twilio's HTTP transport, stubbed, for the notification tests (the ``twilio`` fixture in
``conftest.py`` installs it): it records each request and answers from a script."""

import json
import logging

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-auth-token"
FROM_NUMBER = "+15550009000"


class StubTwilioTransport(HttpClient):
    """Answers each request with the next scripted reply (a status and JSON, or an exception to
    raise); with none left, 201 and a fresh SID."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict] | Exception] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kwargs):
        self.requests.append({"method": method, "url": uri, "data": dict(data or {}), "auth": auth})
        reply = self.replies.pop(0) if self.replies else None
        if isinstance(reply, Exception):
            raise reply
        status, payload = reply or (201, {"sid": f"SM{len(self.requests):032d}"})
        return Response(status, json.dumps(payload))
