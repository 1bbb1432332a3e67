"""Background runs with progress, and the results they leave for the figures.

A run started from the page goes to a worker thread; the page polls `status(job_id)` with a dcc.Interval
and draws a progress bar. Results are kept in a small in-process cache under a random key, so the page
only ever holds that key, never the data.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sim.errors import BadiaError

Progress = Callable[[int, int], None]


class ResultCache:
    """A bounded key -> object store (least recently used entries are dropped first)."""

    def __init__(self, size: int = 12) -> None:
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, value: Any) -> str:
        key = uuid.uuid4().hex
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return key

    def get(self, key: str | None) -> Any:
        with self._lock:
            if key is None or key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]


class Jobs:
    """Runs `work(progress)` functions in worker threads and reports their state."""

    def __init__(self, cache: ResultCache, workers: int = 2) -> None:
        self.cache = cache
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="badia-job")
        self._state: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def start(self, label: str, work: Callable[[Progress], Any]) -> str:
        job_id = uuid.uuid4().hex
        with self._lock:
            self._state[job_id] = {"label": label, "done": 0, "total": 1, "status": "running", "message": "",
                                   "key": None, "live": None}

        def progress(done: int, total: int) -> None:
            with self._lock:
                self._state[job_id].update(done=done, total=max(total, 1))

        def show(live: Any) -> None:
            """Leave what the page may draw while the job runs (the run so far: sim.viz.live.live_run)."""
            with self._lock:
                self._state[job_id]["live"] = live

        progress.show = show  # type: ignore[attr-defined]

        def run() -> None:
            try:
                key = self.cache.put(work(progress))
                update = {"status": "done", "key": key}
            except BadiaError as exc:
                update = {"status": "error", "message": str(exc)}
            except Exception as exc:  # noqa: BLE001 - shown on the page as a message, never a traceback
                update = {"status": "error", "message": f"The run failed: {type(exc).__name__}: {exc}"}
            with self._lock:
                self._state[job_id].update(update, live=None)

        self._pool.submit(run)
        return job_id

    def close(self, wait: bool = True) -> None:
        """Stop taking jobs; with `wait`, return once every started job has finished (shutdown, tests)."""
        self._pool.shutdown(wait=wait)

    def status(self, job_id: str | None) -> dict[str, Any] | None:
        with self._lock:
            state = self._state.get(job_id or "")
            return dict(state) if state else None
