"""Worker processes that end when the process that started them dies (kill -9 of a build included)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h
POLL_SECONDS = 1.0


def end_with_parent(parent: int) -> None:
    """Initializer of a pool's worker processes.

    A worker blocked on its task queue never notices that the build that started it was killed
    (its own copy of the queue's write end keeps the pipe open): it waited there for good. On
    Linux the kernel sends the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); elsewhere
    a thread ends the worker once its parent has changed (the orphan was adopted by another).
    ``parent`` is the pid of the process that starts the pool: it may have died already.
    """
    if sys.platform.startswith("linux") and _death_signal():
        if os.getppid() != parent:  # died before the signal was set up
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), name="end-with-parent", daemon=True).start()


def _death_signal() -> bool:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)
