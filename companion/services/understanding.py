"""The reading of a client's reply, for the web, the worker and the command line.

A passthrough to ``companion.messaging.understanding`` (the layers let the CLI
reach messaging only through services): one entry point, one reading.
"""

from __future__ import annotations

from companion.messaging.understanding import (
    ROUTES,
    URGENT,
    Expects,
    Reading,
    Route,
    Signal,
    read,
    review_status,
)

__all__ = ["ROUTES", "URGENT", "Expects", "Reading", "Route", "Signal", "read", "review_status"]
