"""The default caring messages a therapist starts from: short, warm, asking nothing.

Modelled on the Caring Contacts studies' notes ("It has been some time since you were here,
and we hope things are going well for you…", Motto & Bostrom 2001): no questions that need an
answer, no advice, the therapist's own name at the end (added when sent).
"""

DEFAULT_CARING_MESSAGES = (
    "I'm thinking of you and hope today is going all right.",
    "It was good to hear from you during a hard time. I hope this week is a little easier.",
    "Just a note to say I'm thinking of you.",
    "I hope you're finding moments of calm this week.",
    "Thinking of you, and glad we've been working together.",
    "A short hello to say I hope things are going well for you.",
    "I hope the last few weeks have had some good moments in them.",
    "Thinking of you today. No need to reply.",
    "I hope you're doing well. You've been on my mind.",
    "Sending warm wishes your way.",
    "It's been a while since things were hard. I hope you're well and I'm glad to know you.",
    "A year on, I'm still thinking of you and wishing you well.",
)
