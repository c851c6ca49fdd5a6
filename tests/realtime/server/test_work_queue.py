"""The bounded queue /predict runs on, with real threads: jobs beyond the workers and the queue
places are refused at once, a job that waits too long is refused, closing refuses the waiting jobs
while the running ones finish, and a slot is held until its thread is done."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from realtime.server.work_queue import QueueFull, ShuttingDown, WaitedTooLong, WorkQueue


def blocked(gate: threading.Event) -> str:
    assert gate.wait(10), "the test never opened the gate"
    return "done"


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_jobs_beyond_the_workers_and_places_are_refused_at_once() -> None:
    async def scenario() -> None:
        queue, gate = WorkQueue(workers=1, places=1, wait_s=10), threading.Event()
        first = asyncio.ensure_future(queue.run(blocked, gate))
        await until(lambda: queue.running == 1)
        second = asyncio.ensure_future(queue.run(str.upper, "second"))
        await until(lambda: len(queue.waiting) == 1)
        started = time.perf_counter()
        with pytest.raises(QueueFull, match=r"busy: 1 requests running and 1 waiting.*serve.predict_queue"):
            await queue.run(str.upper, "third")
        assert time.perf_counter() - started < 0.5
        gate.set()
        assert await first == "done" and await second == "SECOND"
        await until(lambda: queue.running == 0)
        assert await queue.run(str.upper, "later") == "LATER"
        queue.shutdown()

    asyncio.run(scenario())


def test_a_job_that_waits_too_long_is_refused() -> None:
    async def scenario() -> None:
        queue, gate = WorkQueue(workers=1, places=2, wait_s=0.3), threading.Event()
        first = asyncio.ensure_future(queue.run(blocked, gate))
        await until(lambda: queue.running == 1)
        started = time.perf_counter()
        with pytest.raises(WaitedTooLong, match=r"waited 0.3 s.*serve.predict_wait_s"):
            await queue.run(str.upper, "late")
        assert 0.25 < time.perf_counter() - started < 2.0
        assert not queue.waiting
        gate.set()
        assert await first == "done"
        await until(lambda: queue.running == 0)
        queue.shutdown()

    asyncio.run(scenario())


def test_closing_refuses_the_waiting_and_new_jobs_and_lets_the_running_finish() -> None:
    async def scenario() -> None:
        queue, gate = WorkQueue(workers=1, places=3, wait_s=10), threading.Event()
        running = asyncio.ensure_future(queue.run(blocked, gate))
        await until(lambda: queue.running == 1)
        waiting = [asyncio.ensure_future(queue.run(str.upper, f"w{i}")) for i in range(2)]
        await until(lambda: len(queue.waiting) == 2)
        queue.close()
        for job in waiting:
            with pytest.raises(ShuttingDown, match="shutting down"):
                await job
        with pytest.raises(ShuttingDown):
            await queue.run(str.upper, "new")
        assert not running.done()
        gate.set()
        assert await running == "done"
        queue.shutdown()

    asyncio.run(scenario())


def test_a_slot_is_held_until_its_thread_is_done_even_when_its_caller_gives_up() -> None:
    async def scenario() -> None:
        queue, gate = WorkQueue(workers=1, places=1, wait_s=10), threading.Event()
        abandoned = asyncio.ensure_future(queue.run(blocked, gate))
        await until(lambda: queue.running == 1)
        abandoned.cancel()
        await asyncio.sleep(0.05)
        assert queue.running == 1  # the thread still runs: no second job may start beside it
        follower = asyncio.ensure_future(queue.run(str.upper, "next"))
        await until(lambda: len(queue.waiting) == 1)
        gate.set()
        assert await follower == "NEXT"
        await until(lambda: queue.running == 0)
        queue.shutdown()

    asyncio.run(scenario())


def test_never_more_than_the_workers_run_at_once() -> None:
    lock, now, most = threading.Lock(), [0], [0]

    def job(index: int) -> int:
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.05)
        with lock:
            now[0] -= 1
        return index

    async def scenario() -> list[int]:
        queue = WorkQueue(workers=2, places=10, wait_s=10)
        results = await asyncio.gather(*(queue.run(job, index) for index in range(8)))
        queue.shutdown()
        return results

    assert asyncio.run(scenario()) == list(range(8))
    assert most[0] == 2
