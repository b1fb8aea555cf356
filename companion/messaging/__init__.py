"""Messaging: compose texts, the outbox, transports, reading replies (above care)."""
