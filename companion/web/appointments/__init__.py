"""Appointments: add, change, cancel, record kept or missed (providers, officers, admins)."""
