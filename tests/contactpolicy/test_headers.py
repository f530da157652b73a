"""What the development server (runserver, ``make run``) says about itself: the app's bare name,
not the server's and Python's versions."""

from urllib.request import urlopen


def test_the_server_header_names_no_server_or_version(live_server):
    with urlopen(f"{live_server.url}/accounts/login/") as response:
        servers = response.headers.get_all("Server")
        assert servers == ["contactpolicy"]
        assert "no-store" in response.headers["Cache-Control"]
        assert "'nonce-" in response.headers["Content-Security-Policy"]
