"""Emergency numbers a practice starts with, per country. The practice admin can change them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EmergencyDefaults:
    emergency_number: str
    crisis_line_name: str
    crisis_line_number: str
    crisis_text: str


COUNTRY_DEFAULTS: dict[str, EmergencyDefaults] = {
    "US": EmergencyDefaults("911", "988 Suicide & Crisis Lifeline", "988", "Text 988"),
    "CA": EmergencyDefaults("911", "9-8-8 Suicide Crisis Helpline", "988", "Text 988"),
    "GB": EmergencyDefaults("999", "Samaritans", "116 123", "Text SHOUT to 85258"),
    "IE": EmergencyDefaults("112", "Samaritans", "116 123", "Text 50808"),
    "AU": EmergencyDefaults("000", "Lifeline", "13 11 14", "Text 0477 13 11 14"),
    "NZ": EmergencyDefaults("111", "Need to talk?", "1737", "Text 1737"),
}

COUNTRY_CHOICES = [
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
]


def emergency_defaults(country: str) -> EmergencyDefaults:
    return COUNTRY_DEFAULTS.get(country, COUNTRY_DEFAULTS["US"])
