"""Guided onboarding: a new client step by step, then their first appointment."""
