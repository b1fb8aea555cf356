"""Appointments imported from a CSV file: a dry run, then all of it or nothing."""
