"""Administration: which drafted text languages may be sent (issue 16, item 6)."""
