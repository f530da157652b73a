"""Contact-log event types: a client raised a held or delivered message ("this can't wait").

Only the field's choices change, so no SQL runs and the append-only triggers stay in place.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0013_care_team_access'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contactevent',
            name='event_type',
            field=models.CharField(choices=[('invitation.sent', 'Invitation sent'), ('invitation.accepted', 'Invitation accepted'), ('agreement.drafted', 'Agreement drafted'), ('agreement.edited', 'Agreement draft edited'), ('agreement.proposed', 'Agreement proposed'), ('agreement.withdrawn', 'Proposal withdrawn'), ('agreement.accepted', 'Agreement accepted'), ('agreement.superseded', 'Agreement superseded'), ('agreement.ended', 'Agreement ended'), ('crisis_period.started', 'Crisis period started'), ('crisis_period.ended', 'Crisis period ended early'), ('safety_plan.updated', 'Safety plan updated'), ('office_hours.changed', 'Office hours changed'), ('away_period.added', 'Away period added'), ('away_period.removed', 'Away period removed'), ('practice.settings_changed', 'Practice settings changed'), ('session.scheduled', 'Session scheduled'), ('message.received', 'Message received'), ('intake.failed', 'Inbound message kept, processing failed (retrying)'), ('message.triaged', 'Message triaged'), ('message.auto_reply', 'Auto-reply sent'), ('message.delivery_failed', 'Message not delivered'), ('message.read', 'Message read'), ('message.break_glass', 'Message body opened by an admin (break-glass)'), ('log.exported', 'Contact log exported'), ('message.replied', 'Reply sent'), ('message.retriaged', 'Message re-triaged'), ('message.raised', "Raised by the client (this can't wait)"), ('message.assigned', 'Message matched to a client'), ('message.seen_in_prep', 'Seen in session prep'), ('escalation.requested', 'Escalation requested'), ('note.shared', 'Session note shared'), ('api_token.created', 'API token created'), ('api_token.revoked', 'API token revoked'), ('escalation.started', 'Escalation started'), ('escalation.step', 'Escalation step'), ('notification.sent', 'Notification sent'), ('notification.delivered', 'Notification delivered'), ('notification.failed', 'Notification failed'), ('escalation.acknowledged', 'Escalation acknowledged'), ('escalation.exhausted', 'Escalation unacknowledged (incident)'), ('escalation.outcome', 'Escalation outcome recorded'), ('escalation.joined', 'Crisis message joined the open escalation'), ('care_team.read', 'Opened by the crisis care team'), ('escalation_policy.changed', 'Escalation policy changed'), ('on_call.changed', 'On-call schedule changed'), ('contact_methods.changed', 'Contact methods changed')], max_length=48),
        ),
    ]
