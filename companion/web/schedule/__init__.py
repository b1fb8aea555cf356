"""Risk and schedule: assessments, the derived schedule, its overrides (providers, admins)."""
