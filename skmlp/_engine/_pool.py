"""Reuse of compiled trainers: one pool, two verbs and a holder.

Keras and TensorFlow keep part of every traced function alive for the life
of the process, and tracing costs most of a small fit: a process fitting one
new model after another would grow by megabytes a fit. A trainer its
estimator no longer holds (refit, or garbage-collected) is therefore checked
in, and the next fresh fit with the same key (architecture and compiled
configuration) checks it out instead of building and tracing another. A
trainer whose model was handed out as ``model_`` is never reused.
"""

import threading
import weakref


class TrainerPool:
    """Spare trainers by key, at most ``max_spares`` of them (oldest dropped)."""

    def __init__(self, max_spares=16):
        self.max_spares = max_spares
        self._spares = {}  # key -> list of trainers, oldest key first
        self._holders = {}  # id(trainer) -> weakref.finalize of its estimator
        self._lock = threading.Lock()
        # Trainers whose estimator was garbage-collected: the finalizer may
        # run inside the collector, in any thread, even one holding the lock,
        # so it only appends here (atomic); check_out drains it.
        self._orphans = []

    def check_out(self, key):
        """A spare trainer for ``key``, or None. The caller resets it."""
        while self._orphans:
            try:
                orphan = self._orphans.pop()
            except IndexError:
                break
            self.check_in(orphan)
        with self._lock:
            trainers = self._spares.get(key)
            trainer = trainers.pop() if trainers else None
            if trainers == []:
                del self._spares[key]
        return trainer

    def check_in(self, trainer):
        """``trainer`` is nobody's now: keep it for reuse (unless exposed)."""
        with self._lock:
            holder = self._holders.pop(id(trainer), None)
            if holder is not None:
                holder.detach()
            key = getattr(trainer, "key", None)
            if key is None or trainer.exposed:
                return
            if any(t is trainer for ts in self._spares.values() for t in ts):
                return
            self._spares.setdefault(key, []).append(trainer)
            while sum(map(len, self._spares.values())) > self.max_spares:
                oldest = next(iter(self._spares))
                self._spares[oldest].pop(0)
                if not self._spares[oldest]:
                    del self._spares[oldest]

    def hold(self, trainer, owner):
        """``owner`` (an estimator) holds ``trainer``: check it in when the
        owner is garbage-collected."""
        finalizer = weakref.finalize(owner, self._orphans.append, trainer)
        finalizer.atexit = False
        with self._lock:
            previous = self._holders.pop(id(trainer), None)
            self._holders[id(trainer)] = finalizer
        if previous is not None:
            previous.detach()

    def clear(self):
        """Drop every spare (benchmarks measuring cold fits call this)."""
        with self._lock:
            self._spares.clear()
            self._orphans.clear()


POOL = TrainerPool()
