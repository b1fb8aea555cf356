"""Alerts: the queue, one escalation's page and acknowledgement, the /e/<id> short link."""
