"""Races forced, not hoped for.

A race shows when several requests or commands all pass one point (a look
at the database, a password check) before any of them goes on. Threads
started together reach that point in no reliable order; a Rendezvous holds
each thread there until every one of them has reached it, or finished
without reaching it. A version that lets the race happen fails every time,
and one that does not passes, most often without waiting on a clock.
"""

import hashlib
import threading


class Rendezvous:
    """Hold each of a group of threads at one point until all are there or done.

    A version that serializes the threads with a lock taken before that point
    (a transaction that begins with a write lock, say) keeps the others from
    ever reaching it: after `timeout` seconds, well within SQLite's wait for a
    lock (5 s), the rendezvous gives up and holds nobody again.
    """

    def __init__(self, size, timeout=2):
        self.size = size
        self.timeout = timeout
        self.there_or_done = set()
        self.given_up = False
        self.changed = threading.Condition()

    def reach(self):
        """Call at the point to hold: returns when every thread has reached it or finished."""
        with self.changed:
            self._count_this_thread()
            if not self.changed.wait_for(
                lambda: self.given_up or len(self.there_or_done) >= self.size, self.timeout
            ):
                self.given_up = True

    def run(self, jobs):
        """Run each job on a thread of its own, all at once; their results, in order."""
        assert len(jobs) == self.size
        results, errors = [None] * len(jobs), []

        def run_one(index, job):
            try:
                results[index] = job()
            except Exception as error:  # raised again below, where pytest shows it
                errors.append(error)
            finally:
                with self.changed:
                    self._count_this_thread()

        threads = [threading.Thread(target=run_one, args=pair) for pair in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        if errors:
            raise errors[0]
        return results

    def _count_this_thread(self):
        self.there_or_done.add(threading.current_thread())
        self.changed.notify_all()


def hold_password_hashing(monkeypatch, together):
    """Hold each thread at its first password hash (checked or made) at the rendezvous.

    The tests' hashing method is PBKDF2. Returns the list of hashes computed.
    """
    computed = []
    real_pbkdf2_hmac = hashlib.pbkdf2_hmac

    def held_pbkdf2_hmac(*args, **kwargs):
        computed.append(args)
        together.reach()
        return real_pbkdf2_hmac(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", held_pbkdf2_hmac)
    return computed


def hold_writes(monkeypatch, database, together):
    """Hold each thread at its first write to the database (INSERT, UPDATE, DELETE, or a
    transaction that takes the write lock as it begins): every request or command has read
    what it reads first before any of them writes."""
    real_execute_sql, real_begin = database.execute_sql, database.begin

    def held_execute_sql(sql, *args, **kwargs):
        if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            together.reach()
        return real_execute_sql(sql, *args, **kwargs)

    def held_begin(*args, **kwargs):
        # SQLite's BEGIN IMMEDIATE (peewee's atomic("IMMEDIATE")) writes nothing yet, but takes
        # the lock a write needs: held here, no thread waits for one that never comes.
        lock_type = args[0] if args else kwargs.get("lock_type")
        if str(lock_type or getattr(database, "_lock_type", "")).upper() in ("IMMEDIATE", "EXCLUSIVE"):
            together.reach()
        return real_begin(*args, **kwargs)

    monkeypatch.setattr(database, "execute_sql", held_execute_sql)
    monkeypatch.setattr(database, "begin", held_begin)
