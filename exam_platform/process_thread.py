"""One background thread per process: started on first use, and again in a forked worker (threads do not survive
fork). Used by the writers that take work off the request path: the verification log (certificates) and the
answer-save committer (exams)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


class ProcessThread:
    def __init__(self, target: Callable[[], None], name: str) -> None:
        self.target, self.name = target, name
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def running(self) -> bool:
        """This process's thread is alive (a thread inherited across fork is not)."""
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def ensure(self) -> None:
        if self.running():
            return
        with self._lock:
            if self.running():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self.target, name=self.name, daemon=True)
            self._thread.start()

    def join(self, timeout: float) -> None:
        if self.running():
            assert self._thread is not None
            self._thread.join(timeout=timeout)
