"""The demo practice: seeding is idempotent and every advertised login signs in."""

from django.urls import reverse

from agreements.models import Membership, User
from contactpolicy.demo import DEMO_LOGINS, demo_password, seed_demo
from messaging.models import Message


def test_seed_demo_is_idempotent_and_every_login_works(client, db):
    seed_demo()
    counts = (User.objects.count(), Membership.objects.count(), Message.objects.count())
    seed_demo()
    assert (User.objects.count(), Membership.objects.count(), Message.objects.count()) == counts
    for login in DEMO_LOGINS:
        assert client.login(email=login.email, password=demo_password()), login.email
        assert client.get(reverse("home"), follow=True).status_code == 200
        client.logout()
