"""Clients: the caseload list, add and edit, and the client page with its charts."""
