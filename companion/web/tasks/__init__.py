"""Tasks: what a reply asked of staff (a reschedule request, a reply with no question)."""
