"""Administration: staff accounts, their roles and their caseloads."""
