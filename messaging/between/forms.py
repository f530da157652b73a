"""Thin forms: a check-in answer, a schedule of caring messages."""

from django import forms

from messaging.between.texts import DEFAULT_CARING_MESSAGES

SCORE_CHOICES = [
    ("1", "1 — very bad"),
    ("2", "2 — bad"),
    ("3", "3 — so-so"),
    ("4", "4 — okay"),
    ("5", "5 — good"),
]
WORDS_MAX_CHARS = 2000
CARING_MESSAGE_MAX_CHARS = 320  # two SMS segments
CARING_MESSAGES_MAX = 12


class CheckInAnswerForm(forms.Form):
    score = forms.ChoiceField(label="How are you today?", choices=SCORE_CHOICES)
    words = forms.CharField(
        label="A few words, if you like",
        required=False,
        max_length=WORDS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CaringContactsForm(forms.Form):
    """One message per line, sent in order on the schedule (they repeat if fewer than 12)."""

    messages = forms.CharField(
        label="The messages, one per line",
        max_length=CARING_MESSAGES_MAX * (CARING_MESSAGE_MAX_CHARS + 2),
        initial="\n".join(DEFAULT_CARING_MESSAGES),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Short and asking nothing. Each is sent under your name.",
    )

    def clean_messages(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["messages"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Write or keep at least one message.")
        if len(lines) > CARING_MESSAGES_MAX:
            raise forms.ValidationError(f"At most {CARING_MESSAGES_MAX} messages, one per line.")
        too_long = [i for i, line in enumerate(lines, 1) if len(line) > CARING_MESSAGE_MAX_CHARS]
        if too_long:
            raise forms.ValidationError(
                f"Keep each message under {CARING_MESSAGE_MAX_CHARS} characters "
                f"(line {too_long[0]} is longer)."
            )
        return lines
