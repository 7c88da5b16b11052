"""Races forced, not hoped for.

A race shows when several requests or commands all pass one point (a look
at the database, a password check) before any of them goes on. Threads
started together reach that point in no reliable order; a Rendezvous holds
each thread there until every one of them has reached it, or finished
without reaching it. A version that lets the race happen fails every time,
and one that does not passes without waiting on a clock.
"""

import threading


class Rendezvous:
    """Hold each of a group of threads at one point until all are there or done."""

    def __init__(self, size, timeout=30):
        self.size = size
        self.timeout = timeout  # only so that a broken version fails instead of hanging
        self.there_or_done = set()
        self.changed = threading.Condition()

    def reach(self):
        """Call at the point to hold: returns when every thread has reached it or finished."""
        with self.changed:
            self._count_this_thread()
            self.changed.wait_for(lambda: len(self.there_or_done) >= self.size, self.timeout)

    def run(self, jobs):
        """Run each job on a thread of its own, all at once; their results, in order."""
        assert len(jobs) == self.size
        results = [None] * len(jobs)

        def run_one(index, job):
            try:
                results[index] = job()
            finally:
                with self.changed:
                    self._count_this_thread()

        threads = [threading.Thread(target=run_one, args=pair) for pair in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=2 * self.timeout)
        return results

    def _count_this_thread(self):
        self.there_or_done.add(threading.current_thread())
        self.changed.notify_all()
