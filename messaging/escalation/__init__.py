"""Answering-service escalation: policies, on-call schedules, the engine and notifications."""
