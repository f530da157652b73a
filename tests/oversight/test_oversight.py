"""The practice admin's oversight dashboard: its numbers, its charts and who may see it.

A small practice is built by hand at known New York times (DST ends on 1 November 2026) and
the dashboard is read on Friday 27 November 2026 at noon, so "the last 30 days" is
29 October – 27 November.
"""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import services
from agreements.models import Role
from messaging.contactlog.services import contact_event_record
from messaging.escalation.lifecycle import escalation_acknowledge, escalation_tick
from messaging.inbox.services import message_reply
from messaging.intake.services import message_receive
from messaging.models import Escalation, EventType, Message
from messaging.oversight import charts
from messaging.oversight import selectors as oversight
from tests.factories import make_member, sign_in_user

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=NY)
SECRET = "kumquat"  # in every message body; must never reach the page
SVG = "{http://www.w3.org/2000/svg}"


def ny(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def activate(client, **terms):
    by = client.therapist.user
    draft = services.agreement_start_draft(client=client, by=by)
    if terms:
        services.agreement_update_draft(
            agreement=draft, by=by, terms=terms, channel_rules={}, response_windows={}
        )
    services.agreement_propose(agreement=draft, by=by)
    return services.agreement_accept(agreement=draft, by=client.user)


def receive(practice, sender, text, **declared):
    declared.setdefault("declared_purpose", "logistics")
    declared.setdefault("declared_emergency", False)
    return message_receive(
        practice=practice,
        channel="portal",
        body=f"{text} {SECRET}",
        sender=sender,
        **declared,
    )


def crisis(practice, sender):
    return message_receive(
        practice=practice,
        channel="portal",
        body=f"please call me now {SECRET}",
        sender=sender,
        declared_emergency=True,
    )


def break_glass(practice, admin, message, reason):
    with transaction.atomic():
        contact_event_record(
            practice=practice,
            event_type=EventType.BODY_BREAK_GLASS,
            actor=admin.user,
            message=message,
            summary=f"{admin.user} opened a message body",
            details={"reason": reason},
        )


@pytest.fixture
def harbour(world, time_machine):
    """The practice's month, hand-built. Returns the messages by name."""
    travel = time_machine.move_to
    w = world
    travel(datetime(2026, 10, 20, 9, 0, tzinfo=NY), tick=False)
    activate(
        w.client,
        frequency_limit_per_week=2,
        hold_clinical_for_session=False,
        review_due=date(2026, 12, 5),
    )
    activate(w.other_client, review_due=date(2027, 2, 1))
    rex = make_member(
        "rex@harbour.test", "Rex Review", w.practice, Role.CLIENT, therapist=w.other_therapist
    )
    activate(rex, review_due=date(2026, 11, 1))  # overdue by the time we look
    make_member("nia@harbour.test", "Nia New", w.practice, Role.CLIENT, therapist=w.therapist)
    pia = make_member(
        "pia@harbour.test", "Pia Proposed", w.practice, Role.CLIENT, therapist=w.therapist
    )
    services.agreement_propose(
        agreement=services.agreement_start_draft(client=pia, by=w.therapist.user),
        by=w.therapist.user,
    )
    m = {}
    travel(datetime(2026, 10, 20, 10, 0, tzinfo=NY), tick=False)
    m["before_period"] = receive(w.practice, w.client, "Is parking validated?").message
    break_glass(w.practice, w.admin, m["before_period"], "An old reason outside the period")

    def at(when, name, make):
        travel(when, tick=False)
        m[name] = make().message

    # 08:00 on a Friday still in daylight time (12:00 UTC): before office hours.
    at(ny(10, 30, 8), "edt_early", lambda: receive(w.practice, w.other_client, "Form question"))
    # Tess's client: two within the weekly limit of 2, then a third over it (scheduling and
    # admin, so it is delivered flagged rather than held, and never answered).
    at(ny(11, 17, 10), "a", lambda: receive(w.practice, w.client, "Can we move Tuesday?"))
    at(ny(11, 17, 11), "b", lambda: receive(w.practice, w.client, "Can I get a superbill?"))
    at(ny(11, 17, 12), "c", lambda: receive(w.practice, w.client, "Another form question"))
    # Owen's client after hours: 21:00 New York is 02:00 UTC the next day.
    at(ny(11, 16, 21), "d", lambda: receive(w.practice, w.other_client, "Invoice question"))
    # Sunday 21:00 local is Monday in UTC: a different week there, the same week here.
    at(ny(11, 22, 21), "e", lambda: receive(w.practice, w.other_client, "Receipt please"))
    at(ny(11, 18, 10), "f", lambda: receive(w.practice, w.other_client, "New address"))
    at(ny(11, 25, 10), "g", lambda: receive(w.practice, w.other_client, "Parking question"))
    # Crises, acknowledged after 12, 30 and 45 minutes, and one never acknowledged.
    for name, when, minutes in (
        ("x1", ny(11, 18, 22, 30), 12),
        ("x2", ny(11, 19, 3), 30),
        ("x3", ny(11, 21, 14), 45),
    ):
        at(when, name, lambda: crisis(w.practice, w.other_client))
        travel(when + timedelta(minutes=minutes), tick=False)
        escalation_acknowledge(
            escalation_id=m[name].escalation.pk, by=w.other_therapist.user, via="app"
        )
    at(ny(11, 24, 23), "x4", lambda: crisis(w.practice, w.other_client))
    for step in range(30):
        travel(ny(11, 24, 23) + timedelta(minutes=5 * step), tick=False)
        escalation_tick()
    # Replies: A on time (due Thursday 17:00), B late.
    travel(ny(11, 18, 9, 30), tick=False)
    message_reply(message=m["a"], by=w.therapist.user, body="Yes, 3pm works.")
    travel(ny(11, 20, 10), tick=False)
    message_reply(message=m["b"], by=w.therapist.user, body="Attached.")
    travel(ny(11, 20, 9), tick=False)
    break_glass(w.practice, w.admin, m["a"], "Complaint review <b>#42</b>")
    # Another practice, whose admin must see only this.
    hugo = make_member("hugo@hillside.test", "Hugo Hill", w.other_practice, Role.THERAPIST)
    hana = make_member(
        "hana@hillside.test", "Hana Hillside", w.other_practice, Role.CLIENT, therapist=hugo
    )
    activate(hana, review_due=date(2026, 11, 2))
    at(ny(11, 18, 11), "hillside", lambda: receive(w.other_practice, hana, "Hillside question"))
    travel(NOW, tick=False)
    return m


def report_for(world, **period):
    zone = oversight.practice_zone(world.practice)
    chosen = (
        oversight.Period.between(period["first"], period["last"], zone=zone)
        if period
        else oversight.Period.last_days(30, zone=zone, today=NOW.date())
    )
    return oversight.oversight_for_practice(practice=world.practice, period=chosen, now=NOW)


# The numbers -------------------------------------------------------------------------------


def test_the_dataset_is_what_the_tests_assume(world, harbour):
    """Guard the fixture: triage decided what the expectations below are built on."""
    decided = {name: m.current_decision for name, m in harbour.items()}
    assert decided["a"].disposition == decided["b"].disposition == "deliver"
    assert decided["f"].disposition == decided["g"].disposition == "deliver"
    assert decided["a"].response_due_at == ny(11, 19, 17)
    assert decided["c"].over_frequency_limit and decided["c"].disposition == "deliver"
    assert decided["g"].response_due_at == ny(11, 27, 17)  # not due yet at noon
    assert {decided[n].category for n in ("x1", "x2", "x3", "x4")} == {"crisis"}
    assert Escalation.objects.get(message=harbour["x4"]).state == "exhausted"


def test_contact_volume_by_week_and_category_in_local_weeks(world, harbour):
    volume = report_for(world).volume
    assert volume.total == 12  # the October message and the other practice's are left out
    assert volume.categories == ("Crisis", "Urgent", "Therapy content", "Scheduling and admin")
    weeks = {week.week_start: week.counts for week in volume.weeks}
    assert list(weeks) == [
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert weeks[date(2026, 10, 26)] == (0, 0, 0, 1)
    assert weeks[date(2026, 11, 2)] == (0, 0, 0, 0)
    # Sunday 22 November 21:00 counts in the week of the 16th, as it does on the clinic's wall.
    assert weeks[date(2026, 11, 16)] == (3, 0, 0, 6)
    assert weeks[date(2026, 11, 23)] == (1, 0, 0, 1)
    assert volume.by_category == (4, 0, 0, 8)


def test_hour_of_day_is_local_across_the_dst_change(world, harbour):
    volume = report_for(world).volume
    by_hour = {hour.hour: hour for hour in volume.hours}
    assert len(by_hour) == 24
    totals = {h: row.total for h, row in by_hour.items() if row.total}
    assert totals == {3: 1, 8: 1, 10: 3, 11: 1, 12: 1, 14: 1, 21: 2, 22: 1, 23: 1}
    # 08:00 EDT (12:00 UTC) and 21:00 EST (02:00 UTC) land on their local hours.
    assert by_hour[8].after_hours == 1 and by_hour[2].total == 0
    assert by_hour[21].after_hours == 2 and by_hour[10].office_hours == 3


def test_after_hours_share(world, harbour):
    volume = report_for(world).volume
    # Early Friday, two evenings, and all four crises (night, early morning, Saturday, night).
    assert (volume.after_hours, volume.total) == (7, 12)
    assert volume.after_hours_percent == 58


def test_response_compliance_per_therapist(world, harbour):
    rows = {row.name: row for row in report_for(world).compliance}
    assert set(rows) == {"Tess Therapist", "Owen Other"}
    tess, owen = rows["Tess Therapist"], rows["Owen Other"]
    # C, over the limit, is scheduling: delivered (never held for the session), never answered.
    assert (tess.due, tess.on_time, tess.late, tess.overdue, tess.pending) == (3, 1, 1, 1, 0)
    assert tess.on_time_percent == 33
    # F was never answered, nor were the three after hours (scheduling, so delivered with a
    # due time from the next opening, never held); G is due at 17:00 today, so it is pending.
    assert (owen.due, owen.on_time, owen.late, owen.overdue, owen.pending) == (5, 0, 0, 4, 1)
    assert owen.on_time_percent == 0
    totals = report_for(world).totals
    assert (totals.on_time, totals.settled, totals.on_time_percent) == (1, 7, 14)


def test_escalations_time_to_acknowledge(world, harbour):
    escalations = report_for(world).escalations
    assert (escalations.total, escalations.crisis, escalations.acknowledged) == (4, 4, 3)
    assert escalations.unacknowledged == 1 and escalations.incidents == 1
    assert escalations.median_to_ack == timedelta(minutes=30)
    assert escalations.max_to_ack == timedelta(minutes=45)
    assert escalations.median_label == "30 min"
    latest = escalations.latest
    assert [row.started_at.astimezone(NY) for row in latest] == [
        ny(11, 24, 23),
        ny(11, 21, 14),
        ny(11, 19, 3),
        ny(11, 18, 22, 30),
    ]
    assert latest[0].state == "exhausted" and latest[0].time_to_ack is None
    assert [row.time_to_ack for row in latest[1:]] == [
        timedelta(minutes=45),
        timedelta(minutes=30),
        timedelta(minutes=12),
    ]
    assert {row.client_name for row in latest} == {"Bo Other"}


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(world, harbour):
    # 16–20 November holds the 12- and 30-minute acknowledgements only.
    escalations = report_for(world, first=date(2026, 11, 16), last=date(2026, 11, 20)).escalations
    assert escalations.median_to_ack == timedelta(minutes=21)


def test_clients_over_their_limit(world, harbour):
    rows = report_for(world).over_limit
    assert [(r.client_name, r.therapist_name, r.messages_over, r.limit) for r in rows] == [
        ("Cleo Client", "Tess Therapist", 1, 2)
    ]


def test_reviews_due_and_clients_without_agreement(world, harbour):
    report = report_for(world)
    reviews = [
        (r.client_name, r.therapist_name, r.review_due, r.overdue) for r in report.reviews_due
    ]
    assert reviews == [
        ("Rex Review", "Owen Other", date(2026, 11, 1), True),
        ("Cleo Client", "Tess Therapist", date(2026, 12, 5), False),
    ]
    assert [(r.client_name, r.open_status) for r in report.without_agreement] == [
        ("Nia New", ""),
        ("Pia Proposed", "Proposed to the client"),
    ]


def test_break_glass_accesses_in_the_period(world, harbour):
    accesses = report_for(world).break_glass
    assert [(a.actor_name, a.reason, a.message_id) for a in accesses] == [
        ("Ada Admin", "Complaint review <b>#42</b>", harbour["a"].pk)
    ]
    assert accesses[0].occurred_at.astimezone(NY) == ny(11, 20, 9)


def test_a_chosen_range_is_whole_local_days(world, harbour):
    week = report_for(world, first=date(2026, 11, 16), last=date(2026, 11, 22))
    # Includes Sunday 21:00 New York (already Monday in UTC); excludes Wednesday the 25th.
    assert week.volume.total == 9
    assert [w.week_start for w in week.volume.weeks] == [date(2026, 11, 16)]


# The page ----------------------------------------------------------------------------------


def page(client, user, query=""):
    sign_in_user(client, user)
    return client.get(reverse("oversight_dashboard") + query)


def test_dashboard_shows_headlines_charts_and_tables(client, world, harbour):
    response = page(client, world.admin.user)
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report.volume.total == 12 and report.period.days == 30
    for metric, value in (
        ("messages", "12"),
        ("on-time", "14%"),
        ("escalations", "4"),
        ("over-limit", "1"),
        ("reviews-due", "2"),
    ):
        assert f'data-metric="{metric}">{value}<' in html
    assert html.count('role="img"') == 3 and "<title" in html
    assert "Rex Review" in html and "Nia New" in html and "Pia Proposed" in html
    assert reverse("escalation:detail", args=[harbour["x4"].escalation.pk]) in html
    assert "Complaint review &lt;b&gt;#42&lt;/b&gt;" in html  # reasons are escaped
    assert "An old reason" not in html


def test_no_message_body_reaches_the_page_or_is_even_read(client, world, harbour):
    sign_in_user(client, world.admin.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("oversight_dashboard"))
    html = response.content.decode()
    assert SECRET not in html
    for reply in ("3pm works", "Attached."):
        assert reply not in html
    body_column = f'"{Message._meta.db_table}"."{Message._meta.get_field("body").column}"'
    assert not [q["sql"] for q in queries if body_column in q["sql"]]


def test_presets_and_a_chosen_range(client, world, harbour):
    assert page(client, world.admin.user, "?days=7").context["report"].volume.total == 4
    assert page(client, world.admin.user, "?days=90").context["report"].volume.total == 13
    response = page(client, world.admin.user, "?start=2026-11-16&end=2026-11-22")
    assert response.context["report"].volume.total == 9
    assert not response.context["form"].errors


@pytest.mark.parametrize(
    "query",
    [
        "?days=45",
        "?days=thirty",
        "?start=2026-13-01&end=2026-11-01",
        "?start=2026-11-20&end=2026-11-01",
        "?start=2026-11-01",
        "?start=0001-01-01&end=0001-01-02",
        "?start=9999-12-30&end=9999-12-31",
        "?start=2020-01-01&end=2026-11-01",
        "?start=%00&end=<script>",
    ],
)
def test_bad_periods_show_an_error_and_the_last_30_days(client, world, query):
    response = page(client, world.admin.user, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["period"].days == 30
    html = response.content.decode()
    assert 'class="alert alert-warning"' in html and "<script>" not in html


def test_query_count_does_not_grow_with_the_data(client, world, time_machine):
    time_machine.move_to(ny(11, 2, 9), tick=False)
    activate(world.client, frequency_limit_per_week=1, hold_clinical_for_session=False)
    activate(world.other_client)
    for day in (3, 4):
        time_machine.move_to(ny(11, day, 10), tick=False)
        receive(world.practice, world.other_client, "Form question")
    time_machine.move_to(NOW, tick=False)
    sign_in_user(client, world.admin.user)
    url = reverse("oversight_dashboard")
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    for n in range(18):
        when = ny(11, 5 + n % 14, 9 + n % 12)
        time_machine.move_to(when, tick=False)
        sender = world.client if n % 2 else world.other_client
        if n % 6 == 0:
            received = crisis(world.practice, sender)
            time_machine.move_to(when + timedelta(minutes=n + 1), tick=False)
            escalation_acknowledge(
                escalation_id=received.message.escalation.pk, by=world.therapist.user, via="app"
            )
        else:
            received = receive(world.practice, sender, "Another form question")
            if received.decision.disposition == "deliver" and n % 3 == 0:
                message_reply(message=received.message, by=world.therapist.user, body="Done.")
        if n % 5 == 0:
            break_glass(world.practice, world.admin, received.message, f"Audit {n}")
    time_machine.move_to(NOW, tick=False)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    report = response.context["report"]
    assert report.volume.total == 20 and report.escalations.total == 3
    assert report.over_limit and report.break_glass
    assert len(large) == len(small), "\n".join(q["sql"] for q in large)


def test_an_admin_of_another_practice_sees_only_their_own(client, world, harbour):
    response = page(client, world.other_admin.user)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.volume.total == 1
    assert report.escalations.total == 0 and not report.break_glass
    assert [r.client_name for r in report.reviews_due] == ["Hana Hillside"]
    assert [r.name for r in report.compliance] == ["Hugo Hill"]
    html = response.content.decode()
    for name in ("Cleo Client", "Bo Other", "Tess Therapist", "Rex Review", "Ada Admin"):
        assert name not in html
    mine = page(client, world.admin.user).content.decode()
    assert "Hana Hillside" not in mine and "Hugo Hill" not in mine


@pytest.mark.parametrize("persona", ["therapist", "other_therapist", "client", "operator"])
def test_only_admins_may_open_it(client, world, persona):
    assert page(client, getattr(world, persona).user).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("oversight_dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_empty_practice_renders_no_data_charts(client, world, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = page(client, world.admin.user)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(charts.NO_DATA) == 3
    assert 'data-metric="on-time">—<' in html


# The period --------------------------------------------------------------------------------


def test_period_days_are_local_days_across_dst():
    period = oversight.Period.between(date(2026, 10, 31), date(2026, 11, 1), zone=NY)
    assert period.starts_at == datetime(2026, 10, 31, 4, 0, tzinfo=ZoneInfo("UTC"))
    # 1 November has 25 hours in New York (compare instants: same-zone subtraction is wall time).
    utc = ZoneInfo("UTC")
    assert period.ends_at.astimezone(utc) - period.starts_at.astimezone(utc) == timedelta(hours=49)
    assert period.week_starts() == [date(2026, 10, 26)]
    last_week = oversight.Period.last_days(7, zone=NY, today=date(2026, 11, 27))
    assert (last_week.first, last_week.last, last_week.days) == (
        date(2026, 11, 21),
        date(2026, 11, 27),
        7,
    )
    assert last_week.week_starts() == [date(2026, 11, 16), date(2026, 11, 23)]


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (None, "—"),
        (timedelta(seconds=40), "40 s"),
        (timedelta(minutes=21, seconds=30), "22 min"),
        (timedelta(hours=3, minutes=30), "3.5 h"),
        (timedelta(days=3), "3.0 days"),
    ],
)
def test_duration_labels(delta, label):
    assert oversight.duration_label(delta) == label


# The charts --------------------------------------------------------------------------------


def parse(svg):
    return ET.fromstring(str(svg))


def bars(root):
    """The data rectangles: every rect that carries a tooltip."""
    return [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def test_bar_chart_is_accessible_svg():
    svg = charts.bar_chart([("Mon", 2), ("Tue", 5)], title="Messages", y_label="Count")
    assert isinstance(svg, str) and hasattr(svg, "__html__")
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Messages"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id and "Mon: 2" in desc.text and "Tue: 5" in desc.text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Mon" in texts and "Tue" in texts and "Count" in texts


def test_bar_heights_are_proportional():
    root = parse(charts.bar_chart([("a", 1), ("b", 4), ("c", 0), ("d", 2.5)], title="T"))
    heights = [float(rect.get("height")) for rect in bars(root)]
    assert heights[2] == 0
    assert heights[1] == pytest.approx(4 * heights[0])
    assert heights[3] == pytest.approx(2.5 * heights[0])
    # Bars stand on the same baseline.
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 2) for r in bars(root)}
    assert len(bottoms) == 1


def test_a_fixed_scale_keeps_percentages_comparable():
    root = parse(charts.bar_chart([("a", 50), ("b", 25)], title="T", y_max=100))
    a, b = (float(r.get("height")) for r in bars(root))
    assert a == pytest.approx(2 * b)
    full = parse(charts.bar_chart([("a", 100)], title="T", y_max=100))
    assert float(bars(full)[0].get("height")) == pytest.approx(a * 2)


def test_stacked_bars_are_proportional_to_their_totals():
    root = parse(
        charts.stacked_bar_chart(
            ["w1", "w2"], [("crisis", [1, 0]), ("routine", [2, 6])], title="Weekly"
        )
    )
    rects = bars(root)
    assert len(rects) == 3  # a zero segment draws nothing
    by_label = {}
    for rect in rects:
        label = rect.find(f"{SVG}title").text.split(" · ")[0]
        by_label[label] = by_label.get(label, 0) + float(rect.get("height"))
    assert by_label["w2"] == pytest.approx(2 * by_label["w1"])
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "crisis" in legend and "routine" in legend


def test_text_is_escaped_and_nothing_is_fetched():
    nasty = "<script>alert('x')</script> & \"quotes\""
    for svg in (
        charts.bar_chart([(nasty, 1)], title=nasty, y_label=nasty),
        charts.stacked_bar_chart([nasty], [(nasty, [3])], title=nasty),
    ):
        root = parse(svg)
        assert "<script" not in svg
        assert root.find(f"{SVG}title").text == nasty
        assert nasty in [t.text for t in root.iter(f"{SVG}text")]
        assert "href" not in svg and "@import" not in svg and "url(" not in svg
        assert svg.count("http") == 1  # the SVG namespace only


def test_empty_data_says_so():
    for svg in (
        charts.bar_chart([], title="Nothing"),
        charts.bar_chart([("a", None)], title="Nothing"),
        charts.stacked_bar_chart([], [], title="Nothing"),
        charts.stacked_bar_chart(["w1", "w2"], [("x", [0, 0])], title="Nothing"),
    ):
        root = parse(svg)
        assert root.get("role") == "img"
        assert charts.NO_DATA in [t.text for t in root.iter(f"{SVG}text")]
        assert not bars(root)


def test_all_zero_bars_are_data_not_missing():
    root = parse(charts.bar_chart([("a", 0), ("b", 0)], title="T"))
    assert len(bars(root)) == 2 and charts.NO_DATA not in str(
        charts.bar_chart([("a", 0)], title="T")
    )


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        charts.bar_chart([("a", -1)], title="T")
    with pytest.raises(ValueError):
        charts.stacked_bar_chart(["a", "b"], [("x", [1])], title="T")


def test_many_labels_are_thinned_so_they_do_not_overlap():
    labels = [f"{h:02d}" for h in range(24)]
    root = parse(
        charts.stacked_bar_chart(labels, [("n", list(range(24)))], title="Hours", width=320)
    )
    texts = list(root.iter(f"{SVG}text"))
    axis_y = max(float(t.get("y")) for t in texts)  # the x-axis labels sit lowest
    shown = [t.text for t in texts if float(t.get("y")) == axis_y]
    assert 0 < len(shown) < 24 and shown[0] == "00" and set(shown) <= set(labels)
