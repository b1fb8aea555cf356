"""Writing to the append-only audit log (``companion.messaging.audit``, re-exported here)."""

from __future__ import annotations

from companion.messaging.audit import record

__all__ = ["record"]
