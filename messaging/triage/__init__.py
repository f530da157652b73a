"""Pure triage rules: no ORM, no Django settings — snapshot in, decision out."""
