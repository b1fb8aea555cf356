"""The fast lane: texts a webhook has just queued, sent within moments of its answer.

A webhook stores the inbound text and its replies in one transaction, answers Twilio at
once, and hands the reply ids to this process's lane (``companion.runtime.send_soon``). The
lane is one daemon thread fed through a queue. For each hand-off it claims the rows exactly
as a worker pass claims them, renders them and hands them to its dispatcher's pool
(``Dispatcher.start``), then goes straight back to the queue: a slow provider delays the
recording of answers (``Dispatcher.finish``, when the pool says they came), never the next
claim, and never the webhook.

Nothing is lost when the process dies or the lane is closed: a row not yet claimed is
still ``pending`` and the worker's next pass sends it; a row claimed mid-send is settled by
the worker's ``recover_interrupted``. The claim (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
status guard everywhere) means a worker pass running at the same time never sends a row the
lane sent, nor the other way round.

No Flask here: the caller gives the dispatcher, the clock and ``scope``, a context in which
the dispatcher's session may be used (``companion.runtime`` makes one per app and process).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Final

from companion.messaging.dispatch import Dispatcher, InFlight

log = logging.getLogger(__name__)

# What the queue carries besides lists of ids: "a send was answered" and "stop".
_ANSWERED: Final = "answered"
_CLOSE: Final = "close"

_Item = list[int] | str


class FastLane:
    """One thread that sends what it is handed, without anyone waiting on it."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        now: Callable[[], datetime],
        scope: Callable[[], AbstractContextManager[object]],
        *,
        batch_size: int = 50,
    ) -> None:
        self.dispatcher = dispatcher
        self._now = now
        self._scope = scope
        self._batch_size = batch_size
        self._pid = os.getpid()
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._unsettled = 0  # ids handed off whose batch is not recorded yet
        self._thread: threading.Thread | None = None
        self._closing = False

    def in_this_process(self) -> bool:
        """False in a child forked after this lane was made: its thread did not come along."""
        return self._pid == os.getpid()

    def hand_off(self, message_ids: Iterable[int]) -> None:
        """Send these committed outbox rows soon; returns at once.

        After ``close`` the ids are left to the worker's next pass (they stay ``pending``).
        """
        ids = list(message_ids)
        if not ids:
            return
        with self._lock:
            if self._closing:
                return
            if self._thread is None:  # started on first use, in the process that uses it
                self._thread = threading.Thread(target=self._run, name="fast-lane", daemon=True)
                self._thread.start()
            self._unsettled += len(ids)
            self._queue.put(ids)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until everything handed off so far is sent and recorded (tests, the
        simulator); False if ``timeout`` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unsettled == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking ids (what is queued stays ``pending`` for the worker), record the
        answers of what is already with the provider, and stop the thread and its pool."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            thread = self._thread
            self._queue.put(_CLOSE)
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                # The provider hangs: leave the claimed rows to the worker's recovery.
                log.warning("fast lane: closed with sends still unanswered")
                return
        self.dispatcher.close()

    # -- the thread -----------------------------------------------------------------

    def _run(self) -> None:
        in_flight: deque[tuple[InFlight, int]] = deque()
        while True:
            ids, closing = self._take()
            if ids and not closing:
                self._start(ids, in_flight)
            elif ids:
                self._settle(len(ids))  # closing: left pending for the worker
            # Record whatever the provider has answered, oldest batch first; when closing,
            # wait for the rest.
            while in_flight and (closing or in_flight[0][0].answered()):
                self._finish(*in_flight.popleft())
            if closing:
                return

    def _take(self) -> tuple[list[int], bool]:
        """The next ids to claim, with any others already waiting (up to a batch); and
        whether the lane is closing. Blocks until there is something to do."""
        ids: list[int] = []
        item: _Item = self._queue.get()
        while True:
            if item == _CLOSE:
                return ids, True
            if isinstance(item, list):
                ids.extend(item)
            if len(ids) >= self._batch_size:
                return ids, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return ids, False

    def _start(self, ids: list[int], in_flight: deque[tuple[InFlight, int]]) -> None:
        try:
            with self._scope():
                sending = self.dispatcher.start(self._now(), ids)
        except Exception:
            # Nothing was handed to the provider: the rows are still pending (or were
            # claimed by a worker pass) and the worker's next pass sends them.
            log.exception("fast lane: could not claim %d text(s); left to the worker", len(ids))
            self._settle(len(ids))
            return
        for future in sending.futures:
            future.add_done_callback(lambda _: self._queue.put(_ANSWERED))
        in_flight.append((sending, len(ids)))

    def _finish(self, sending: InFlight, count: int) -> None:
        try:
            with self._scope():
                self.dispatcher.finish(sending)
        except Exception:
            # Sent but not recorded: the rows stay "sending" and the worker's recovery
            # asks the provider whether they went (never sent twice blindly).
            log.exception("fast lane: could not record %d answer(s)", count)
        finally:
            self._settle(count)

    def _settle(self, count: int) -> None:
        with self._idle:
            self._unsettled -= count
            if self._unsettled == 0:
                self._idle.notify_all()
