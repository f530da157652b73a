"""Between sessions: check-ins during a crisis period, caring contacts after a crisis, the
client's "can this wait?" and the contact pattern both of them see.

``schedule`` is the pure rule module (when a check-in or a caring message is due, DST and all);
``services`` writes, ``selectors`` reads, ``access`` decides who may see what, ``tick`` is the
database-timer engine the beat task runs.
"""
