"""The home page (/today): what needs the signed-in staff member today, by role."""
