"""The practice admin's oversight dashboard: are the agreements being kept?

Metadata only — counts, times, names and states; never a message body.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from agreements.models import Role
from agreements.roles import role_required
from messaging.oversight import charts
from messaging.oversight import selectors as oversight
from messaging.oversight.forms import PeriodForm

CATEGORY_COLORS = (charts.RED, charts.ORANGE, charts.PURPLE, charts.BLUE, charts.GRAY)


CHART_WIDTH = 560  # about the width of half the container, so the text stays near 11 px


def _percent(value: float) -> str:
    return f"{charts.format_number(value)}%"


def _dashboard_charts(report: oversight.Oversight) -> dict[str, SafeString]:
    volume = report.volume
    weekly = charts.stacked_bar_chart(
        [f"{week.week_start.day} {week.week_start:%b}" for week in volume.weeks],
        [
            (label, [week.counts[i] for week in volume.weeks])
            for i, label in enumerate(volume.categories)
        ],
        title="Messages from clients per week (weeks start on Monday), by category",
        y_label="Messages",
        width=CHART_WIDTH,
        colors=CATEGORY_COLORS,
    )
    hourly = charts.stacked_bar_chart(
        [f"{hour.hour:02d}" for hour in volume.hours],
        [
            ("In office hours", [hour.office_hours for hour in volume.hours]),
            ("After hours", [hour.after_hours for hour in volume.hours]),
        ],
        title="Messages from clients by hour of day (practice time)",
        y_label="Messages",
        width=CHART_WIDTH,
        colors=(charts.BLUE, charts.ORANGE),
    )
    rows = [row for row in report.compliance if row.due]
    compliance = charts.bar_chart(
        [
            (row.name, None if row.on_time_share is None else round(row.on_time_share * 100, 1))
            for row in rows
        ],
        title="Replies sent on time, by therapist",
        y_label="% on time",
        width=CHART_WIDTH,
        y_max=100,
        color=charts.GREEN,
        value_format=_percent,
    )
    return {"weekly": weekly, "hourly": hourly, "compliance": compliance}


@role_required(Role.ADMIN)
def oversight_dashboard(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    zone = oversight.practice_zone(practice)
    now = timezone.now()
    today = now.astimezone(zone).date()
    form = PeriodForm(request.GET, today=today)
    if form.is_valid():
        period = form.period(zone)
    else:
        period = oversight.Period.last_days(oversight.DEFAULT_PERIOD_DAYS, zone=zone, today=today)
    report = oversight.oversight_for_practice(practice=practice, period=period, now=now)
    return render(
        request,
        "messaging/oversight.html",
        {
            "form": form,
            "period": period,
            "period_choices": oversight.PERIOD_CHOICES,
            "report": report,
            "charts": _dashboard_charts(report),
            "zone_name": practice.time_zone,
        },
    )
