"""The relapse-prevention plan: its versions and the editor (providers edit it)."""
