"""Reuse of compiled trainers: spares, holders, and reclaiming.

Keras and TensorFlow keep part of every traced function alive for the life
of the process, and tracing costs most of a small fit: a process fitting one
new model after another would grow by megabytes a fit, and a search paying a
trace per fit would spend most of its time tracing. So:

- a trainer nobody holds (its estimator refit, or garbage-collected) is a
  *spare*, and the next fit with the same key (architecture and compiled
  configuration) checks it out instead of building and tracing another;
- a trainer a fitted estimator holds is *reclaimed* by a fit that finds no
  spare, if nothing outside can see its variables (its model was never
  handed out as ``model_``): the estimator keeps what a pickle keeps (its
  weights as NumPy arrays, its optimizer state) and rebuilds a trainer on
  first need, exactly as an unpickled one does. A search whose fitted
  estimators are kept (``cross_validate``, ``GridSearchCV``) then traces
  once per configuration.

A trainer a fit has checked out is nobody's to take; one whose model was
handed out as ``model_`` is never reused.
"""

import threading
import weakref


class TrainerPool:
    """Spare trainers by key, at most ``max_spares`` of them (oldest dropped),
    and the trainers fitted estimators hold."""

    def __init__(self, max_spares=16):
        self.max_spares = max_spares
        self._spares = {}  # key -> list of trainers, oldest key first
        # id(trainer) -> (trainer, weakref.finalize of its estimator); oldest
        # first (reclaimed first).
        self._holders = {}
        self._lock = threading.Lock()
        # Trainers whose estimator was garbage-collected: the finalizer may
        # run inside the collector, in any thread, even one holding the lock,
        # so it only appends here (atomic); check_out drains it.
        self._orphans = []
        self.built = 0  # trainers built (the tests count traces with it)

    def check_out(self, key):
        """A trainer for ``key`` that is now the caller's: a spare, or one
        reclaimed from an estimator (see the module's docstring); or None.
        The caller resets it."""
        while self._orphans:
            try:
                orphan = self._orphans.pop()
            except IndexError:
                break
            self.check_in(orphan)
        with self._lock:
            trainers = self._spares.get(key)
            if trainers:
                trainer = trainers.pop()
                if not trainers:
                    del self._spares[key]
                return trainer
            candidates = [
                (trainer, finalizer)
                for trainer, finalizer in self._holders.values()
                if trainer.key == key and not trainer.exposed
            ]
        for trainer, finalizer in candidates:
            # The holder's lock first (see LiveNetwork._using_trainer): a
            # trainer its estimator is using, or whose fit is starting, is
            # not taken; the estimator then gives it up under that lock.
            if not trainer.lock.acquire(blocking=False):
                continue
            try:
                owner = finalizer.peek()
                with self._lock:  # still held, by the same estimator
                    if self._holders.get(id(trainer), (None, None))[1] is not finalizer:
                        continue
                    if owner is None or not owner[0]._give_up_trainer(trainer):
                        continue
                    del self._holders[id(trainer)]
                    finalizer.detach()
                return trainer
            finally:
                trainer.lock.release()
        return None

    def check_in(self, trainer):
        """``trainer`` is nobody's now: keep it for reuse (unless exposed)."""
        with self._lock:
            self._unhold(trainer)
            key = trainer.key
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
        owner is garbage-collected; a fit finding no spare may reclaim it
        (``owner._give_up_trainer``)."""
        finalizer = weakref.finalize(owner, self._orphans.append, trainer)
        finalizer.atexit = False
        with self._lock:
            _, previous = self._holders.get(id(trainer), (None, None))
            if previous is not None:  # held before: by this owner now
                previous.detach()
            self._holders[id(trainer)] = (trainer, finalizer)

    def release(self, trainer):
        """The holder's fit checks ``trainer`` out: nobody reclaims it until
        it is held or checked in again."""
        with self._lock:
            self._unhold(trainer)

    def _unhold(self, trainer):
        _, finalizer = self._holders.pop(id(trainer), (None, None))
        if finalizer is not None:
            finalizer.detach()

    def clear(self):
        """Reuse no trainer of before: drop every spare, and never reclaim or
        check in the trainers estimators hold now (benchmarks measuring cold
        fits, tests)."""
        with self._lock:
            self._spares.clear()
            self._orphans.clear()
            for _, finalizer in self._holders.values():
                finalizer.detach()
            self._holders.clear()


POOL = TrainerPool()
