"""Every write to practices, people and agreements, each logged in the same transaction.

One module a concern: ``practices`` (practices and memberships), ``invitations``, ``calendar``
(time zone, office hours, away periods), ``agreements`` (drafts, proposal, acceptance, end) and
``crisis`` (crisis periods, safety plans). Callers use this package's names:
``from agreements import services; services.practice_create(...)``.
"""

from .agreements import (
    AGREEMENT_TERM_FIELDS,
    CHANNEL_RULE_FIELDS,
    DEFAULT_CHANNEL_RULES,
    DEFAULT_RESPONSE_WINDOWS,
    AgreementNotEditable,
    WindowTerms,
    agreement_accept,
    agreement_end,
    agreement_propose,
    agreement_start_draft,
    agreement_update_draft,
    agreement_withdraw,
)
from .calendar import (
    away_period_add,
    away_period_remove,
    office_hours_replace,
    office_hours_update,
    therapist_set_time_zone,
)
from .crisis import crisis_period_end, crisis_period_start, safety_plan_update
from .invitations import (
    INVITATION_SALT,
    InvitationInvalid,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_token,
)
from .practices import (
    PRACTICE_PHONE_FIELDS,
    PRACTICE_SETTING_FIELDS,
    membership_create,
    practice_create,
    practice_phone_clean,
    practice_update_settings,
)

__all__ = [
    "AGREEMENT_TERM_FIELDS",
    "CHANNEL_RULE_FIELDS",
    "DEFAULT_CHANNEL_RULES",
    "DEFAULT_RESPONSE_WINDOWS",
    "INVITATION_SALT",
    "PRACTICE_PHONE_FIELDS",
    "PRACTICE_SETTING_FIELDS",
    "AgreementNotEditable",
    "InvitationInvalid",
    "WindowTerms",
    "agreement_accept",
    "agreement_end",
    "agreement_propose",
    "agreement_start_draft",
    "agreement_update_draft",
    "agreement_withdraw",
    "away_period_add",
    "away_period_remove",
    "crisis_period_end",
    "crisis_period_start",
    "invitation_accept",
    "invitation_create",
    "invitation_from_token",
    "invitation_token",
    "membership_create",
    "office_hours_replace",
    "office_hours_update",
    "practice_create",
    "practice_phone_clean",
    "practice_update_settings",
    "safety_plan_update",
    "therapist_set_time_zone",
]
