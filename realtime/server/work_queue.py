"""A bounded queue of blocking jobs (the /predict requests), with no HTTP in it.

`workers` jobs run at once on their own threads, up to `places` more wait in order, each at most
`wait_s` seconds; anything beyond is refused at once (`QueueFull`), a job that waited too long is
refused (`WaitedTooLong`), and once `close()` is called the waiting jobs and every new one are
refused (`ShuttingDown`) while the running ones finish. A slot is given back when its thread
finishes, not when its caller stops waiting, so no more than `workers` jobs ever run.
Used from one event loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class QueueRefused(Exception):
    """A job the queue will not run; the message says why."""


class QueueFull(QueueRefused):
    pass


class WaitedTooLong(QueueRefused):
    pass


class ShuttingDown(QueueRefused):
    pass


class WorkQueue:
    def __init__(self, workers: int, places: int, wait_s: float, name: str = "work") -> None:
        self.workers, self.places, self.wait_s = workers, places, wait_s
        self.running = 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.closing = False
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on a worker thread once a slot is free; QueueRefused when not."""
        await self._enter()
        loop = asyncio.get_running_loop()
        try:
            job: Future[T] = self._executor.submit(function, *args)
        except BaseException:
            self._leave()
            raise
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._leave))
        return await asyncio.wrap_future(job)

    async def _enter(self) -> None:
        if self.closing:
            raise ShuttingDown("the server is shutting down")
        if self.running < self.workers:  # a free slot means nobody waits: _leave hands slots on
            self.running += 1
            return
        if len(self.waiting) >= self.places:
            raise QueueFull(f"busy: {self.running} requests running and {len(self.waiting)} waiting, the limits "
                            "(serve.predict_workers, serve.predict_queue)")
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(ticket)
        entered = False
        try:
            async with asyncio.timeout(self.wait_s):
                await ticket
            entered = True
        except TimeoutError:
            raise WaitedTooLong(f"busy: waited {self.wait_s:g} s for a worker (serve.predict_wait_s)") from None
        finally:
            if not entered:
                if ticket in self.waiting:
                    self.waiting.remove(ticket)
                elif ticket.done() and not ticket.cancelled() and ticket.exception() is None:
                    self._leave()  # handed a slot at the moment it gave up: pass it on

    def _leave(self) -> None:
        """A job finished: its slot goes to the first job still waiting, else is freed."""
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.running -= 1

    def close(self) -> None:
        """Refuse the waiting jobs and every new one; the running ones finish."""
        self.closing = True
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_exception(ShuttingDown("the server is shutting down"))

    def shutdown(self) -> None:
        """Free the threads once their jobs are done (call after `close`)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
