"""Helpers for tests that start child processes. Not a test module."""

from __future__ import annotations


def interruptible_child() -> None:
    """`preexec_fn` for a child that a test stops with SIGINT: a shell that starts pytest in
    the background (`pytest &`) makes it ignore SIGINT, children inherit that, and Python
    then never raises KeyboardInterrupt. Restore the default so Ctrl-C works as in a terminal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
