"""polyverify.budget: work in a child process, killed at its deadline, from any thread."""

from __future__ import annotations

import threading
import time

import pytest

from polyverify.budget import BudgetExceeded, Deadline, WorkerError, call_with_deadline, stream_with_deadline


def _sleep_forever() -> None:
    while True:
        time.sleep(1)


def _count(k: int):
    yield from range(k)
    _sleep_forever()


def _boom() -> None:
    raise ArithmeticError("no value")


def test_value_comes_back() -> None:
    assert call_with_deadline(sum, [1, 2, 3], seconds=30, what="sum") == 6


def test_a_stalled_call_is_killed() -> None:
    with pytest.raises(BudgetExceeded, match="stall: time budget of 0.5 s exceeded"):
        call_with_deadline(_sleep_forever, seconds=0.5, what="stall")


def test_the_deadline_holds_from_a_thread() -> None:
    # a signal alarm works on the main thread only; the killed child works everywhere
    seen: list[BaseException] = []

    def work() -> None:
        try:
            call_with_deadline(_sleep_forever, seconds=0.5, what="stall")
        except BudgetExceeded as exc:
            seen.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert not t.is_alive() and len(seen) == 1


def test_errors_are_passed_on() -> None:
    with pytest.raises(WorkerError, match="ArithmeticError: no value") as info:
        call_with_deadline(_boom, seconds=30, what="boom")
    assert info.value.kind == "ArithmeticError"


def test_a_stream_keeps_the_items_before_the_deadline() -> None:
    got: list[int] = []
    with pytest.raises(BudgetExceeded):
        for item in stream_with_deadline(_count, 5, seconds=2, what="count"):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_deadline_arguments() -> None:
    with pytest.raises(ValueError, match="seconds > 0"):
        Deadline.after(0)
    d = Deadline.after(10)
    share = d.share(4)
    assert 0 < d.remaining() <= 10 and share <= 10 / 4
    with pytest.raises(BudgetExceeded):
        call_with_deadline(sum, [1], seconds=0, what="nothing left")
