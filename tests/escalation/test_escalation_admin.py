"""Escalation policies and on-call schedules: the services and the practice-admin pages."""

from datetime import UTC, date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Role
from messaging.escalation import oncall, policies, schedules, selectors
from messaging.models import (
    ContactEvent,
    EscalationPolicy,
    EscalationStep,
    EventType,
    OnCallMember,
    OnCallOverride,
    OnCallSchedule,
    StepAction,
)
from tests.factories import make_member, sign_in

THERAPIST = StepAction.NOTIFY_THERAPIST.value
ON_CALL = StepAction.NOTIFY_ON_CALL.value
ADMINS = StepAction.NOTIFY_ADMINS.value
NAMED = StepAction.NOTIFY_USER.value


def events(world, event_type) -> int:
    return ContactEvent.objects.filter(practice=world.practice, event_type=event_type).count()


@pytest.fixture
def on_call_pair(world):
    """Two on-call-eligible therapists of the first practice: Owen (world) and Nia."""
    nia = make_member(
        "nia@harbour.test", "Nia Night", world.practice, Role.THERAPIST, on_call_eligible=True
    )
    return world.other_therapist, nia


def _schedule(world, members, **overrides) -> OnCallSchedule:
    fields = {
        "name": "Weekly rota",
        "time_zone": "America/New_York",
        "handoff_weekday": 0,
        "handoff_time": time(9),
        "rotation_start": timezone.now().date() - timedelta(days=21),
        "member_ids": [m.pk for m in members],
    }
    fields.update(overrides)
    return schedules.schedule_create(practice=world.practice, by=world.admin.user, **fields)


@pytest.fixture
def schedule(world, on_call_pair) -> OnCallSchedule:
    return _schedule(world, on_call_pair)


def _policy(world, **overrides) -> EscalationPolicy:
    fields = {
        "name": "Nights",
        "description": "",
        "repeat_count": 2,
        "on_call_schedule": None,
        "steps": [(THERAPIST, None, 5), (ADMINS, None, 10)],
    }
    fields.update(overrides)
    return policies.policy_create(practice=world.practice, by=world.admin.user, **fields)


# --- policy services ---------------------------------------------------------------------------


def test_policy_create_writes_ordered_steps_and_logs(world, schedule):
    before = events(world, EventType.ESCALATION_POLICY_CHANGED)
    policy = _policy(
        world,
        on_call_schedule=schedule,
        steps=[(THERAPIST, None, 5), (ON_CALL, None, 5), (NAMED, world.admin, 15)],
    )
    steps = list(policy.steps.order_by("position"))
    assert [(s.position, s.action, s.target_id, s.wait_minutes) for s in steps] == [
        (0, THERAPIST, None, 5),
        (1, ON_CALL, None, 5),
        (2, NAMED, world.admin.pk, 15),
    ]
    assert policy.on_call_schedule == schedule
    assert not policy.is_default
    assert events(world, EventType.ESCALATION_POLICY_CHANGED) == before + 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"steps": []}, "steps", "at least one step"),
        ({"steps": [(THERAPIST, None, 0)]}, "steps", "between 1 and 240"),
        ({"steps": [(THERAPIST, None, 241)]}, "steps", "between 1 and 240"),
        ({"steps": [(NAMED, None, 5)]}, "steps", "choose the named backup"),
        ({"steps": [(THERAPIST, "admin", 5)]}, "steps", "only a “named backup”"),
        ({"steps": [(NAMED, "client", 5)]}, "steps", "therapist or admin"),
        ({"steps": [(NAMED, "other_admin", 5)]}, "steps", "therapist or admin"),
        ({"steps": [("telepathy", None, 5)]}, "steps", "choose what the step does"),
        ({"repeat_count": 0}, "repeat_count", "between 1 and 10"),
        ({"name": "  "}, "name", "Give the policy a name"),
        ({"name": "therapist, then on-call clinician, then practice"}, "name", "has this name"),
    ],
)
def test_policy_create_refuses_bad_input_and_writes_nothing(world, overrides, field, message):
    if "steps" in overrides:
        overrides["steps"] = [
            (action, getattr(world, target) if target else None, wait)
            for action, target, wait in overrides["steps"]
        ]
    policies, logged = EscalationPolicy.objects.count(), ContactEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        _policy(world, **overrides)
    assert field in raised.value.message_dict
    assert message.lower() in " ".join(raised.value.message_dict[field]).lower()
    assert EscalationPolicy.objects.count() == policies
    assert ContactEvent.objects.count() == logged


def test_policy_refuses_another_practices_schedule(world, on_call_pair):
    theirs = OnCallSchedule.objects.create(
        practice=world.other_practice,
        name="Theirs",
        time_zone="Europe/London",
        rotation_start=date(2026, 1, 5),
    )
    with pytest.raises(ValidationError) as raised:
        _policy(world, on_call_schedule=theirs)
    assert "on_call_schedule" in raised.value.message_dict


def test_policy_update_replaces_the_steps(world):
    policy = _policy(world)
    policies.policy_update(
        policy=policy,
        by=world.admin.user,
        name="Nights and weekends",
        description="After hours",
        repeat_count=3,
        on_call_schedule=None,
        steps=[(ADMINS, None, 1)],
    )
    policy.refresh_from_db()
    assert (policy.name, policy.repeat_count) == ("Nights and weekends", 3)
    assert [(s.position, s.action) for s in policy.steps.all()] == [(0, ADMINS)]
    assert EscalationStep.objects.filter(policy=policy).count() == 1


def test_policy_update_with_bad_steps_keeps_the_old_ones(world):
    policy = _policy(world)
    with pytest.raises(ValidationError):
        policies.policy_update(
            policy=policy,
            by=world.admin.user,
            name="Nights",
            description="",
            repeat_count=2,
            on_call_schedule=None,
            steps=[(NAMED, None, 5)],
        )
    assert [s.action for s in policy.steps.all()] == [THERAPIST, ADMINS]


def test_exactly_one_default_policy_per_practice(world):
    original = EscalationPolicy.objects.get(practice=world.practice, is_default=True)
    policy = _policy(world)
    before = events(world, EventType.ESCALATION_POLICY_CHANGED)
    policies.policy_set_default(policy=policy, by=world.admin.user)
    defaults = EscalationPolicy.objects.filter(practice=world.practice, is_default=True)
    assert list(defaults) == [policy]
    assert events(world, EventType.ESCALATION_POLICY_CHANGED) == before + 1
    # Setting it again changes nothing and logs nothing.
    policies.policy_set_default(policy=policy, by=world.admin.user)
    assert events(world, EventType.ESCALATION_POLICY_CHANGED) == before + 1
    policies.policy_set_default(policy=original, by=world.admin.user)
    assert list(EscalationPolicy.objects.filter(practice=world.practice, is_default=True)) == [
        original
    ]
    # The other practice keeps its own default.
    assert EscalationPolicy.objects.filter(practice=world.other_practice, is_default=True).exists()


def test_policy_preview_reads_like_the_chain(world, schedule):
    lines = selectors.policy_preview(
        steps=[(THERAPIST, None, 5), (ON_CALL, None, 5), (NAMED, world.admin, 10)],
        repeat_count=2,
        on_call_schedule=schedule,
    )
    assert lines[0].startswith("1. Notify the client's therapist")
    assert lines[0].endswith("wait 5 min")
    assert lines[1].startswith("2. Notify whoever is on call (Weekly rota")
    assert lines[2] == "3. Notify Ada Admin, wait 10 min"
    assert "twice" in lines[3]
    assert "after 40 min" in lines[3]
    assert "incident" in lines[3]


# --- schedule services ------------------------------------------------------------------------


def test_schedule_create_keeps_rotation_order_and_logs(world, on_call_pair):
    owen, nia = on_call_pair
    before = events(world, EventType.ON_CALL_CHANGED)
    schedule = _schedule(world, [nia, owen])
    assert [m.membership for m in schedule.members.order_by("position")] == [nia, owen]
    assert selectors.rotation_for(schedule).member_ids == (nia.pk, owen.pk)
    assert events(world, EventType.ON_CALL_CHANGED) == before + 1


@pytest.mark.parametrize(
    ("members", "overrides", "field"),
    [
        (["therapist"], {}, "member_ids"),  # not on-call eligible
        (["client"], {}, "member_ids"),
        (["admin"], {}, "member_ids"),
        (["other_admin"], {}, "member_ids"),
        ([], {}, "member_ids"),
        (["other_therapist", "other_therapist"], {}, "member_ids"),
        (["other_therapist"], {"time_zone": "Mars/Olympus"}, "time_zone"),
        (["other_therapist"], {"handoff_weekday": 7}, "handoff_weekday"),
        (["other_therapist"], {"name": ""}, "name"),
    ],
)
def test_schedule_create_refuses_bad_input_and_writes_nothing(world, members, overrides, field):
    schedules, logged = OnCallSchedule.objects.count(), ContactEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        _schedule(world, [getattr(world, name) for name in members], **overrides)
    assert field in raised.value.message_dict
    assert OnCallSchedule.objects.count() == schedules
    assert ContactEvent.objects.count() == logged


def test_schedule_names_are_unique_in_a_practice(world, schedule, on_call_pair):
    with pytest.raises(ValidationError) as raised:
        _schedule(world, on_call_pair, name="weekly ROTA")
    assert "name" in raised.value.message_dict


def test_schedule_update_replaces_the_rotation(world, schedule, on_call_pair):
    _, nia = on_call_pair
    schedules.schedule_update(
        schedule=schedule,
        by=world.admin.user,
        name="Weekly rota",
        time_zone="Europe/London",
        handoff_weekday=4,
        handoff_time=time(17),
        rotation_start=date(2026, 1, 2),
        member_ids=[nia.pk],
    )
    schedule.refresh_from_db()
    assert (schedule.time_zone, schedule.handoff_weekday) == ("Europe/London", 4)
    rows = OnCallMember.objects.filter(schedule=schedule).values_list("membership", "position")
    assert list(rows) == [(nia.pk, 0)]


def test_on_call_now_follows_the_rotation_and_overrides_in_few_queries(
    world, schedule, on_call_pair, django_assert_max_num_queries
):
    owen, nia = on_call_pair
    rotation = selectors.rotation_for(schedule)
    now = timezone.now()
    expected = oncall.on_call_at(rotation, [], now)
    with django_assert_max_num_queries(3):
        member = selectors.on_call_now(schedule=schedule, at=now)
    assert member.pk == expected
    other = nia if expected == owen.pk else owen
    schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=other,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        reason="Dentist",
    )
    with django_assert_max_num_queries(3):
        member = selectors.on_call_now(schedule=schedule, at=now)
    assert member == other
    assert member.user.name  # loaded with the member, no extra query


def test_override_add_logs_and_validates(world, schedule, on_call_pair):
    owen, _ = on_call_pair
    now = timezone.now()
    before = events(world, EventType.ON_CALL_CHANGED)
    schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=owen,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
        reason="Cover",
    )
    assert events(world, EventType.ON_CALL_CHANGED) == before + 1
    bad = [
        ({"membership": world.therapist}, "membership"),  # not on-call eligible
        ({"membership": world.other_admin}, "membership"),
        ({"ends_at": now + timedelta(hours=1)}, "ends_at"),  # before the start
        ({"starts_at": now - timedelta(days=3), "ends_at": now - timedelta(days=2)}, "ends_at"),
    ]
    for changes, field in bad:
        fields = {
            "membership": owen,
            "starts_at": now + timedelta(days=1),
            "ends_at": now + timedelta(days=2),
            "reason": "",
        }
        fields.update(changes)
        with pytest.raises(ValidationError) as raised:
            schedules.override_add(schedule=schedule, by=world.admin.user, **fields)
        assert field in raised.value.message_dict
    assert OnCallOverride.objects.count() == 1
    assert events(world, EventType.ON_CALL_CHANGED) == before + 1


def test_override_swap_trades_two_whole_shifts(world, schedule, on_call_pair):
    rotation = selectors.rotation_for(schedule)
    now = timezone.now()
    first = oncall.rotation_shift_at(rotation, now + timedelta(days=7))
    second = oncall.rotation_shift_at(rotation, first.ends_at)
    assert first.member_id != second.member_id
    before = events(world, EventType.ON_CALL_CHANGED)
    schedules.override_swap(
        schedule=schedule,
        by=world.admin.user,
        first_shift_start=first.starts_at,
        second_shift_start=second.starts_at,
    )
    assert events(world, EventType.ON_CALL_CHANGED) == before + 1
    assert selectors.on_call_now(schedule=schedule, at=first.starts_at).pk == second.member_id
    assert selectors.on_call_now(schedule=schedule, at=second.starts_at).pk == first.member_id
    assert selectors.on_call_now(schedule=schedule, at=second.ends_at).pk == first.member_id
    overrides = OnCallOverride.objects.filter(schedule=schedule)
    assert {(o.starts_at, o.ends_at) for o in overrides} == {
        (first.starts_at, first.ends_at),
        (second.starts_at, second.ends_at),
    }


def test_override_swap_refuses_what_isnt_a_swap(world, schedule):
    rotation = selectors.rotation_for(schedule)
    now = timezone.now()
    shift = oncall.rotation_shift_at(rotation, now + timedelta(days=7))
    two_weeks_on = oncall.rotation_shift_at(rotation, shift.ends_at + timedelta(days=7))
    cases = [
        (shift.starts_at + timedelta(hours=1), two_weeks_on.starts_at, "first_shift_start"),
        (shift.starts_at, shift.starts_at, "second_shift_start"),
        (shift.starts_at, two_weeks_on.starts_at, "second_shift_start"),  # same person
        (shift.starts_at - timedelta(weeks=10), two_weeks_on.starts_at, "first_shift_start"),
    ]
    for first, second, field in cases:
        with pytest.raises(ValidationError) as raised:
            schedules.override_swap(
                schedule=schedule,
                by=world.admin.user,
                first_shift_start=first,
                second_shift_start=second,
            )
        assert field in raised.value.message_dict, (first, second)
    assert not OnCallOverride.objects.exists()


def test_override_remove_logs_and_keeps_past_ones(world, schedule, on_call_pair):
    owen, _ = on_call_pair
    now = timezone.now()
    override = schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=owen,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    before = events(world, EventType.ON_CALL_CHANGED)
    schedules.override_remove(override=override, by=world.admin.user)
    assert not OnCallOverride.objects.exists()
    assert events(world, EventType.ON_CALL_CHANGED) == before + 1
    past = OnCallOverride.objects.create(
        schedule=schedule,
        membership=owen,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        created_by=world.admin.user,
    )
    with pytest.raises(ValidationError):
        schedules.override_remove(override=past, by=world.admin.user)
    assert OnCallOverride.objects.filter(pk=past.pk).exists()


def test_calendar_rows_mark_handoffs_and_overrides(world, schedule, on_call_pair):
    owen, _ = on_call_pair
    zone = ZoneInfo(schedule.time_zone)
    today = timezone.now().astimezone(zone).date()
    start = today + timedelta(days=7 - today.weekday())  # next Monday
    cover_from = timezone.make_aware(
        timezone.datetime.combine(start + timedelta(days=2), time(18)), zone
    )
    schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=owen,
        starts_at=cover_from,
        ends_at=cover_from + timedelta(hours=14),
        reason="Swap evening",
    )
    rows = selectors.on_call_calendar(schedule=schedule, start=start, days=7)
    assert [row.day for row in rows] == [start + timedelta(days=n) for n in range(7)]
    monday = rows[0]
    assert [h.astimezone(zone).time() for h in monday.handoffs] == [time(9)]
    assert len(monday.entries) == 2 and monday.entries[0].from_previous_day
    wednesday, thursday = rows[2], rows[3]
    assert wednesday.has_override and thursday.has_override
    cover = next(e for e in wednesday.entries if e.is_override)
    assert (cover.member, cover.reason, cover.into_next_day) == (owen, "Swap evening", True)
    assert not rows[5].has_override


# --- pages -------------------------------------------------------------------------------


def _policy_post(world, steps, **fields):
    data = {
        "name": "Weekend",
        "description": "",
        "repeat_count": "2",
        "on_call_schedule": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for n, (action, target, wait) in enumerate(steps):
        data[f"steps-{n}-action"] = action
        data[f"steps-{n}-target"] = str(target.pk) if target else ""
        data[f"steps-{n}-wait_minutes"] = str(wait)
        data[f"steps-{n}-ORDER"] = str(n + 1)
    data.update(fields)
    return data


def _schedule_post(members, **fields):
    data = {
        "name": "Nights",
        "time_zone": "Europe/London",
        "handoff_weekday": "0",
        "handoff_time": "09:00",
        "rotation_start": "2026-01-05",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for n, member in enumerate(members):
        data[f"members-{n}-member"] = str(member.pk)
        data[f"members-{n}-ORDER"] = str(n + 1)
    data.update(fields)
    return data


def test_admin_opens_every_page(client, world, schedule):
    policy = _policy(world, on_call_schedule=schedule)
    sign_in(client, world.admin)
    for name, kwargs in [
        ("escalation:policy_list", {}),
        ("escalation:policy_new", {}),
        ("escalation:policy_edit", {"policy_id": policy.pk}),
        ("escalation:schedule_list", {}),
        ("escalation:schedule_new", {}),
        ("escalation:schedule_edit", {"schedule_id": schedule.pk}),
        ("escalation:schedule_calendar", {"schedule_id": schedule.pk}),
        ("escalation:schedule_overrides", {"schedule_id": schedule.pk}),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
    page = client.get(reverse("escalation:policy_list")).content.decode()
    assert "1. Notify the client&#x27;s therapist" in page
    assert "Make default" in page


def test_policy_new_saves_a_valid_chain(client, world, schedule):
    sign_in(client, world.admin)
    response = client.post(
        reverse("escalation:policy_new"),
        _policy_post(
            world,
            [(THERAPIST, None, 5), (NAMED, world.other_therapist, 10)],
            on_call_schedule=str(schedule.pk),
        ),
    )
    policy = EscalationPolicy.objects.get(practice=world.practice, name="Weekend")
    assert response.status_code == 302
    assert response["Location"] == reverse("escalation:policy_edit", args=[policy.pk])
    assert [(s.action, s.target_id) for s in policy.steps.all()] == [
        (THERAPIST, None),
        (NAMED, world.other_therapist.pk),
    ]


def test_policy_steps_follow_the_order_column_and_skip_removed_rows(client, world):
    sign_in(client, world.admin)
    data = _policy_post(world, [(THERAPIST, None, 5), (ADMINS, None, 7), (ON_CALL, None, 9)])
    data["steps-0-ORDER"], data["steps-1-ORDER"] = "3", "1"
    data["steps-2-DELETE"] = "on"
    assert client.post(reverse("escalation:policy_new"), data).status_code == 302
    policy = EscalationPolicy.objects.get(name="Weekend")
    assert [(s.position, s.action) for s in policy.steps.all()] == [(0, ADMINS), (1, THERAPIST)]


@pytest.mark.parametrize(
    ("steps", "fields", "message"),
    [
        ([(THERAPIST, None, 0)], {}, "greater than or equal to 1"),
        ([(THERAPIST, None, 241)], {}, "less than or equal to 240"),
        ([(NAMED, None, 5)], {}, "Choose who to notify"),
        ([(ADMINS, "admin", 5)], {}, "Only a “named backup” step names a person"),
        ([(NAMED, "client", 5)], {}, "Select a valid choice"),
        ([(NAMED, "other_admin", 5)], {}, "Select a valid choice"),
        ([], {}, "Add at least one step"),
        ([(THERAPIST, None, 5)], {"repeat_count": "0"}, "greater than or equal to 1"),
        ([(THERAPIST, None, 5)], {"name": ""}, "This field is required"),
        (
            [(THERAPIST, None, 5)],
            {"name": "Therapist, then on-call clinician, then practice"},
            "has this name",
        ),
    ],
)
def test_policy_new_shows_errors_and_saves_nothing(client, world, steps, fields, message):
    sign_in(client, world.admin)
    steps = [(a, getattr(world, t) if t else None, w) for a, t, w in steps]
    policies, logged = EscalationPolicy.objects.count(), ContactEvent.objects.count()
    response = client.post(reverse("escalation:policy_new"), _policy_post(world, steps, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert EscalationPolicy.objects.count() == policies
    assert ContactEvent.objects.count() == logged


def test_policy_edit_add_row_and_preview_save_nothing(client, world):
    policy = _policy(world)
    sign_in(client, world.admin)
    url = reverse("escalation:policy_edit", args=[policy.pk])
    data = _policy_post(world, [(ADMINS, None, 3)], name="Renamed")
    response = client.post(url, {**data, "add_step": "1"})
    assert response.status_code == 200
    assert 'name="steps-1-action"' in response.content.decode()
    response = client.post(url, {**data, "preview": "1"})
    assert "1. Notify the practice admins, wait 3 min" in response.content.decode()
    policy.refresh_from_db()
    assert policy.name == "Nights"
    assert [s.action for s in policy.steps.all()] == [THERAPIST, ADMINS]
    response = client.post(url, data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "Renamed"


def test_make_default_from_the_list(client, world):
    policy = _policy(world)
    sign_in(client, world.admin)
    response = client.post(reverse("escalation:policy_make_default", args=[policy.pk]))
    assert response.status_code == 302
    assert EscalationPolicy.objects.get(practice=world.practice, is_default=True) == policy


def test_schedule_new_saves_the_rotation_in_order(client, world, on_call_pair):
    owen, nia = on_call_pair
    sign_in(client, world.admin)
    data = _schedule_post([owen, nia])
    data["members-0-ORDER"], data["members-1-ORDER"] = "2", "1"
    response = client.post(reverse("escalation:schedule_new"), data)
    assert response.status_code == 302
    schedule = OnCallSchedule.objects.get(name="Nights")
    assert [m.membership for m in schedule.members.order_by("position")] == [nia, owen]


@pytest.mark.parametrize(
    ("members", "fields", "message"),
    [
        (["therapist"], {}, "Select a valid choice"),  # not on-call eligible
        (["client"], {}, "Select a valid choice"),
        ([], {}, "Add at least one person"),
        (["other_therapist", "other_therapist"], {}, "appears once"),
        (["other_therapist"], {"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        (["other_therapist"], {"handoff_time": "25:00"}, "Enter a valid time"),
        (["other_therapist"], {"rotation_start": "soon"}, "Enter a valid date"),
    ],
)
def test_schedule_new_shows_errors_and_saves_nothing(client, world, members, fields, message):
    sign_in(client, world.admin)
    logged = ContactEvent.objects.count()
    data = _schedule_post([getattr(world, m) for m in members], **fields)
    response = client.post(reverse("escalation:schedule_new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OnCallSchedule.objects.exists()
    assert ContactEvent.objects.count() == logged


def test_schedule_edit_add_row_saves_nothing(client, world, schedule, on_call_pair):
    sign_in(client, world.admin)
    url = reverse("escalation:schedule_edit", args=[schedule.pk])
    response = client.post(url, {**_schedule_post(on_call_pair[:1]), "add_member": "1"})
    assert response.status_code == 200
    assert 'name="members-1-member"' in response.content.decode()
    assert schedule.members.count() == 2


def test_who_is_on_call_at_a_time_on_the_schedules_clock(client, world, on_call_pair):
    owen, nia = on_call_pair
    schedule = _schedule(world, [owen, nia], rotation_start=date(2026, 10, 26))
    sign_in(client, world.admin)
    url = reverse("escalation:schedule_edit", args=[schedule.pk])
    # 08:59 New York on Monday 2 November (after the clocks went back) is still Owen's week.
    page = client.get(url, {"at": "2026-11-02T08:59"}).content.decode()
    assert "Mon 2 Nov 2026 08:59: <strong>Owen Other</strong>" in page
    page = client.get(url, {"at": "2026-11-02T09:00"}).content.decode()
    assert "Mon 2 Nov 2026 09:00: <strong>Nia Night</strong>" in page
    page = client.get(url, {"at": "2026-10-20T12:00"}).content.decode()
    assert "<strong>nobody</strong>" in page
    response = client.get(url, {"at": "next tuesday"})
    assert response.status_code == 200
    assert "Enter a valid date/time" in response.content.decode()


def test_calendar_page_lists_days_and_marks_covers(client, world, schedule, on_call_pair):
    owen, _ = on_call_pair
    now = timezone.now()
    schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=owen,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
        reason="School play",
    )
    sign_in(client, world.admin)
    response = client.get(reverse("escalation:schedule_calendar", args=[schedule.pk]))
    assert len(response.context["rows"]) == 28
    page = response.content.decode()
    assert "School play" in page and "cover" in page
    start = date(2026, 10, 26)
    response = client.get(
        reverse("escalation:schedule_calendar", args=[schedule.pk]), {"start": start.isoformat()}
    )
    assert response.context["rows"][0].day == start
    response = client.get(
        reverse("escalation:schedule_calendar", args=[schedule.pk]), {"start": "soon"}
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def _calendar_queries(client, schedule, days: int) -> int:
    url = reverse("escalation:schedule_calendar", args=[schedule.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"days": days}).status_code == 200
    return len(queries)


def test_calendar_query_count_does_not_grow_with_days_or_overrides(
    client, world, schedule, on_call_pair
):
    sign_in(client, world.admin)
    few = _calendar_queries(client, schedule, days=3)
    now = timezone.now()
    for n in range(12):
        schedules.override_add(
            schedule=schedule,
            by=world.admin.user,
            membership=on_call_pair[n % 2],
            starts_at=now + timedelta(days=n, hours=1),
            ends_at=now + timedelta(days=n, hours=20),
            reason=f"Cover {n}",
        )
    many = _calendar_queries(client, schedule, days=60)
    assert many == few


def test_schedule_list_query_count_does_not_grow_with_schedules(
    client, world, schedule, on_call_pair
):
    sign_in(client, world.admin)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("escalation:schedule_list"))
    for n in range(3):
        _schedule(world, on_call_pair, name=f"Rota {n}")
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("escalation:schedule_list"))
    assert len(four) == len(one)
    assert response.content.decode().count("Owen Other") >= 4


def test_cover_swap_and_remove_from_the_overrides_page(client, world, schedule, on_call_pair):
    _, nia = on_call_pair
    sign_in(client, world.admin)
    url = reverse("escalation:schedule_overrides", args=[schedule.pk])
    zone = ZoneInfo(schedule.time_zone)
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(zone)
    response = client.post(
        url,
        {
            "cover": "1",
            "cover-membership": str(nia.pk),
            "cover-starts_at": f"{tomorrow:%Y-%m-%d}T18:00",
            "cover-ends_at": f"{tomorrow + timedelta(days=1):%Y-%m-%d}T08:00",
            "cover-reason": "Evening",
        },
    )
    assert response.status_code == 302
    override = OnCallOverride.objects.get()
    # Typed on the schedule's clock (New York), whatever the admin's own zone.
    assert override.starts_at.astimezone(zone).time() == time(18)
    assert override.membership == nia

    choices = client.get(url).context["swap_form"].fields["first_shift_start"].choices
    first, second = choices[2][0], choices[3][0]
    response = client.post(
        url, {"swap": "1", "swap-first_shift_start": first, "swap-second_shift_start": second}
    )
    assert response.status_code == 302
    assert OnCallOverride.objects.count() == 3

    response = client.post(reverse("escalation:override_delete", args=[override.pk]))
    assert response.status_code == 302
    assert response["Location"] == url
    assert OnCallOverride.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cover-membership": "therapist"}, "Select a valid choice"),
        ({"cover-ends_at": "2099-01-01T07:00"}, "The end must be after the start"),
        ({"cover-starts_at": "later"}, "Enter a valid date/time"),
        (
            {"cover-starts_at": "2020-01-01T09:00", "cover-ends_at": "2020-01-02T09:00"},
            "That time has passed",
        ),
    ],
)
def test_cover_shows_errors_and_saves_nothing(client, world, schedule, fields, message):
    sign_in(client, world.admin)
    data = {
        "cover": "1",
        "cover-membership": str(world.other_therapist.pk),
        "cover-starts_at": "2099-01-01T09:00",
        "cover-ends_at": "2099-01-02T09:00",
        "cover-reason": "",
    }
    if fields.get("cover-membership") == "therapist":
        fields = {"cover-membership": str(world.therapist.pk)}
    data.update(fields)
    response = client.post(reverse("escalation:schedule_overrides", args=[schedule.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OnCallOverride.objects.exists()


def test_swap_shows_errors_and_saves_nothing(client, world, schedule):
    sign_in(client, world.admin)
    response = client.post(
        reverse("escalation:schedule_overrides", args=[schedule.pk]),
        {"swap": "1", "swap-first_shift_start": "2020-01-06T14:00:00+00:00"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not OnCallOverride.objects.exists()


def _object_routes(world, schedule):
    policy = _policy(world)
    override = schedules.override_add(
        schedule=schedule,
        by=world.admin.user,
        membership=world.other_therapist,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    return [
        ("get", "escalation:policy_edit", {"policy_id": policy.pk}),
        ("post", "escalation:policy_make_default", {"policy_id": policy.pk}),
        ("get", "escalation:schedule_edit", {"schedule_id": schedule.pk}),
        ("get", "escalation:schedule_calendar", {"schedule_id": schedule.pk}),
        ("get", "escalation:schedule_overrides", {"schedule_id": schedule.pk}),
        ("post", "escalation:override_delete", {"override_id": override.pk}),
    ]


def test_another_practices_admin_gets_404_on_our_objects(client, world, schedule):
    routes = _object_routes(world, schedule)
    sign_in(client, world.other_admin)
    for method, name, kwargs in routes:
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, name
    assert client.get(reverse("escalation:policy_list")).status_code == 200
    page = client.get(reverse("escalation:schedule_list")).content.decode()
    assert "Weekly rota" not in page
    assert OnCallOverride.objects.count() == 1
    assert EscalationPolicy.objects.get(practice=world.practice, is_default=True).name != "Nights"


@pytest.mark.parametrize("persona", ["therapist", "other_therapist", "client", "operator"])
def test_everyone_but_admins_gets_403(client, world, schedule, persona):
    routes = [*_object_routes(world, schedule)]
    names = ("escalation:policy_list", "escalation:policy_new", "escalation:schedule_list")
    routes += [("get", name, {}) for name in names]
    routes += [("get", "escalation:schedule_new", {})]
    sign_in(client, getattr(world, persona))
    for method, name, kwargs in routes:
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 403, (persona, name)


def test_anonymous_visitors_are_sent_to_sign_in(client, world, schedule):
    for method, name, kwargs in _object_routes(world, schedule):
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_times_out_of_the_services_are_utc(world, schedule):
    shift = selectors.upcoming_rotation_shifts(schedule=schedule)[0].shift
    assert shift.starts_at.tzinfo == UTC
