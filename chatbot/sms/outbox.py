"""Runs Twilio calls off the event loop (one worker thread each, through asyncio.to_thread), so a
slow Twilio never delays another parent's webhook. `drain()` waits for what is in flight: on
shutdown, and in tests and the simulator."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def submit(self, job: Callable, *args) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(job, *args))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            # The job logs its own failures; this is for the unexpected (never the number: our
            # errors carry only statuses and codes).
            log.error("sms job failed: %s: %s", type(error).__name__, error)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        while self._tasks:
            done, _ = await asyncio.wait(set(self._tasks), timeout=timeout)
            if timeout is not None and not done:
                log.warning("sms: %d job(s) still running at shutdown", len(self._tasks))
                return
