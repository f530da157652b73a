"""Signing in: throttling (django-axes), the second factor (django-otp: TOTP and recovery codes),
session limits, and what a password change or reset revokes."""
