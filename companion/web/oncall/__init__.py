"""The on-call clinician rota: weekly shifts with a backup (services/oncall.py)."""
