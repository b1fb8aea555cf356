"""Signing in and out, expired sessions, and changing one's password."""
