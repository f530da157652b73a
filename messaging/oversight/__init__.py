"""The practice admin's oversight dashboard: contact volume, response compliance, escalations,
clients over their limit, reviews due, break-glass reads. Read-only; it may import every package's
selectors and models but nothing imports it.
"""
