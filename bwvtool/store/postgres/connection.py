"""A psycopg 3 connection that looks like the part of :mod:`sqlite3` the store uses.

Why: the store's SQL is written once, with ``?`` placeholders, and run on SQLite or PostgreSQL. This adapter is
the only place that knows the driver: it rewrites ``?`` to psycopg's ``%s`` (outside string literals), gives
INSERTs into tables with an ``id`` a ``lastrowid`` (through ``RETURNING id``), maps SQLite's ``BEGIN`` forms onto
PostgreSQL's isolation levels, returns booleans and whole NUMERICs as SQLite would (``0``/``1``, ``int``), and
raises PostgreSQL errors as subclasses of sqlite3's exception classes, so every ``except sqlite3.Error`` in the
code base catches them and code that cares can read :attr:`PgError.sqlstate`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Loader

from bwvtool.errors import ConnectionLost

ENGINE = "postgresql"

# SQLite's BEGIN forms -> PostgreSQL. A deferred BEGIN is used by the store for several reads that must see one
# committed state (exports, snapshot rebuilds): that is REPEATABLE READ. BEGIN IMMEDIATE opens a writing action:
# READ COMMITTED, so that each statement (and the audit trigger, which serialises appends) sees the newest rows.
_BEGIN = {
    "BEGIN": "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "BEGIN DEFERRED": "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "BEGIN IMMEDIATE": "BEGIN ISOLATION LEVEL READ COMMITTED",
    "BEGIN EXCLUSIVE": "BEGIN ISOLATION LEVEL SERIALIZABLE",
}
# A writing transaction commits without waiting for the disk, and a flush barrier follows its COMMIT in the same
# round trip: a tiny transaction that writes to the WAL (an empty logical message, which any role may emit) and so
# commits synchronously; its flush covers every commit written before it, this one included. (A transaction that
# only takes an id writes no WAL of its own, and PostgreSQL lets it commit without a flush.) The COMMIT is reported (and the change shown saved) only after the barrier, so it
# is as durable as a synchronous commit; but the audit chain's lock, which an appending transaction holds until its
# commit, is let go when the commit is written, not after the fsync: appends still take turns, their fsyncs do not
# (the barriers of several sessions share one). After a crash, WAL order keeps the chain whole: a commit on disk
# has every earlier one on disk too.
_COMMIT_WITHOUT_WAITING = "SET LOCAL synchronous_commit TO off"
_FLUSH = "SELECT txid_current(), pg_logical_emit_message(false, 'bwvtool.flush', '')"
# psycopg logs (at WARNING) a second error met while leaving a pipeline whose connection broke ("error ignored
# terminating <psycopg.Pipeline [BAD]>"); the first error is the one bwvtool handles and reports. Without a handler
# of its own that line would reach the user's terminal through logging's last resort.
logging.getLogger("psycopg").addHandler(logging.NullHandler())
# Errors that mean the session is gone (connection failure, server shut down or crashed, not yet accepting).
_LOST = ("08", "57P01", "57P02", "57P03")
_OUTCOME_WAIT_S = 5.0  # how long to wait for a dead session's last commit to be decided after a reconnect
# Ids a session reserves ahead from a table's sequence (see PgConnection.reserve_id), and how few left make the
# next round trip fetch more.
_RESERVE, _RESERVE_LOW = 64, 16
_NEXT_IDS = "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)"
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class PgError:
    """Mixin carried by every translated error: the PostgreSQL SQLSTATE code (``"23505"``, ``"42501"`` …)."""

    sqlstate: str | None = None


class PgIntegrityError(PgError, sqlite3.IntegrityError):
    """A constraint or a trigger refused the change (SQLSTATE class 23, or RAISE EXCEPTION in a trigger)."""


class PgOperationalError(PgError, sqlite3.OperationalError):
    """Anything else the server refused: permissions, row security, locks, lost connections, bad SQL."""


class PgConnectionLost(PgOperationalError, ConnectionLost):
    """The connection broke during a transaction: the server rolled it back, nothing of it was saved."""


def translate_error(exc: psycopg.Error) -> sqlite3.Error:
    """The sqlite3-style error for a psycopg error: the server's one-line message, the SQLSTATE kept."""
    state = getattr(exc, "sqlstate", None) or ""
    message = (exc.diag.message_primary if getattr(exc, "diag", None) else None) or str(exc).strip()
    message = message.splitlines()[0] if message else type(exc).__name__
    cls = PgIntegrityError if state.startswith("23") or state == "P0001" else PgOperationalError
    error = cls(message)
    error.sqlstate = state or None
    return error


@lru_cache(maxsize=4096)
def translate_sql(sql: str) -> str:
    """``?`` -> ``%s`` outside quotes and comments; every literal ``%`` doubled (psycopg reads ``%`` anywhere)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _IntBoolLoader(Loader):
    """Booleans as SQLite returns them: 1 and 0 (``EXISTS (…)`` and comparisons are selected as values)."""

    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class _NumberLoader(Loader):
    """NUMERIC (``sum`` of bigints, ``avg``) as SQLite returns it: an int when whole, else a float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        return float(text) if any(c in text for c in ".eEN") else int(text)


class PgCursor:
    """The result of one statement, read the way a sqlite3 cursor is read."""

    def __init__(self, raw: psycopg.Cursor | None, lastrowid: int | None = None) -> None:
        self._raw = (
            raw  # None: a statement that needed no round trip (BEGIN, a ROLLBACK the server already did)
        )
        self.lastrowid = lastrowid
        self.rowcount = -1 if raw is None else raw.rowcount
        self._has_rows = raw is not None and raw.description is not None and lastrowid is None

    @property
    def description(self) -> tuple[tuple[Any, ...], ...] | None:
        if not self._has_rows:
            return None
        return tuple((c.name, None, None, None, None, None, None) for c in self._raw.description)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._raw.fetchone() if self._has_rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._raw.fetchall() if self._has_rows else []

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        return self._raw.fetchmany(size) if self._has_rows else []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._raw) if self._has_rows else iter(())

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


class PgConnection:
    """A psycopg connection in autocommit mode (transactions are explicit, as in the store's SQLite settings).

    Round trips are what a key press costs on a busy server, so a transaction's BEGIN is not sent on its own: it
    goes in one pipeline with the transaction's first statement. Likewise :meth:`defer` holds a statement whose
    result nobody reads (the audit row) until the next statement or the COMMIT, and sends them together: the
    audit chain's lock, which its trigger takes, is then held only inside the server, from that row to the end of
    the commit, never while the client works or waits for a CPU.

    A transaction whose statements all wait (a key press: its event row, with an id reserved ahead, and its audit
    row) therefore costs one round trip: BEGIN, the rows, COMMIT and the flush barrier travel together. Such a
    transaction names a *witness* (:meth:`commit_witness`: a query that finds a row it wrote), because no
    transaction id comes back before its COMMIT is sent.

    When the server goes away (restart, ``pg_terminate_backend``, a network cut) the next statement reconnects.
    A transaction the break interrupted is gone: the statement that finds out raises :class:`PgConnectionLost`
    ("not saved"), except a COMMIT whose outcome the server can still tell (``txid_status``, or the witness once
    the old session has ended): committed is saved, and a one-trip transaction found not committed is sent again
    on the new session, once.
    Reads outside a transaction are simply retried once on the new connection.
    """

    engine = ENGINE

    def __init__(self, raw: psycopg.Connection, url: str | None = None) -> None:
        self._setup(raw)
        self.url = url
        self._id_tables: frozenset[str] | None = None
        self._xid: int | None = None  # the open writing transaction's id, to ask its outcome after a break
        self._open = (
            False  # a transaction was begun and not yet ended (tracked here: a broken session cannot say)
        )
        self._begin_pending: str | None = None  # the BEGIN not sent yet: it goes with the next statement
        self._deferred: list[tuple[str, Any]] = []  # statements (translated) waiting for the next round trip
        self._settings_wanted: dict[str, str] = {}  # session settings to have before the next statement
        self._settings_sent: dict[str, str] = {}  # what this session has (forgotten on a new session)
        self._settings_pending_commit: dict[str, str] = {}  # sent inside the open transaction
        self._witness: tuple[str, Any] | None = None  # the open transaction's witness (see commit_witness)
        self._reserved: dict[str, list[int]] = {}  # ids reserved ahead, by table (see reserve_id)
        self._refill: set[str] = set()  # tables whose reserve the next round trip tops up
        self.memo: dict[Any, Any] = {}  # see bwvtool.store.dialect.session_memo

    def _setup(self, raw: psycopg.Connection) -> None:
        raw.autocommit = True
        raw.adapters.register_loader("bool", _IntBoolLoader)
        raw.adapters.register_loader("numeric", _NumberLoader)
        self.raw = raw
        self._pid = raw.info.backend_pid  # to ask after this session once it is gone

    @classmethod
    def connect(cls, url: str) -> PgConnection:
        try:
            return cls(psycopg.connect(url, autocommit=True), url)
        except psycopg.Error as exc:
            raise translate_error(exc) from exc

    # -- what the store uses of sqlite3.Connection ---------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        if self.raw.closed or self._begin_pending:
            return self._open
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def set_session(self, name: str, value: int) -> None:
        """Have the session setting ``name`` (a constant) at ``value`` from the next statement on: sent in that
        statement's round trip, and only when it differs from what the session has (a lock wait set for one
        action and reset after it costs nothing when the next action sets it again)."""
        self._settings_wanted[name] = str(int(value))

    def defer(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run ``sql`` (whose result is not needed) with the next statement of this transaction, in the same
        round trip; its error, if any, is raised there. Outside a transaction it runs now."""
        if not self._open:
            self.execute(sql, params)
            return
        self._deferred.append((translate_sql(sql), params))

    def reserve_id(self, table: str) -> int:
        """An id from ``table``'s own sequence, reserved ahead by this session, so that a row can be inserted
        with its id known without waiting for the server (and deferred, see :meth:`defer`). The reserve is topped
        up in the same round trip as a later statement before it runs out; sequences never hand a value out
        twice, so ids reserved and never used are only gaps, as after any rolled-back insert."""
        pool = self.reserve_ids(table)
        if len(pool) <= _RESERVE_LOW:
            self._refill.add(table)
        return pool.pop(0)

    def reserve_ids(self, table: str) -> list[int]:
        """This session's reserve of ids for ``table``, taken now if it has none (a session's first)."""
        pool = self._reserved.setdefault(table, [])
        if not pool:
            pool.extend(self._next_ids(table))
        return pool

    def _next_ids(self, table: str) -> list[int]:
        if self._open and not self._begin_pending:  # inside the transaction begun on the server
            return [int(row[0]) for row in self.execute(_NEXT_IDS, (table, _RESERVE))]
        # Nothing of a transaction is on the server yet: ask outside it, so that the transaction can still travel
        # whole with its COMMIT. Safe to ask again on a new session after a break.
        for attempt in (1, 2):
            try:
                return [int(row[0]) for row in self.raw.execute(translate_sql(_NEXT_IDS), (table, _RESERVE))]
            except psycopg.Error as exc:
                if attempt == 2 or not self._is_lost(exc):
                    raise translate_error(exc) from exc
                self._reconnect()
        raise AssertionError("unreachable")

    def rehearse(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run ``statements`` in a writing transaction that is rolled back, in one round trip, outside any
        transaction of the caller's, and ignore how it ends: what it is for is its side effect on this session
        (its first insert into a table fills the server backend's caches of that table, its row security,
        foreign keys and triggers). Nothing of it is kept but the values any sequence handed out."""
        if self._open or self.raw.closed:
            return
        cursor = psycopg.ClientCursor(self.raw)
        sql = "; ".join(
            [_BEGIN["BEGIN IMMEDIATE"], *(translate_sql(text) for text, _ in statements), "ROLLBACK"]
        )
        try:
            cursor.execute(sql, [p for _, params in statements for p in params])
        except psycopg.Error:
            with contextlib.suppress(psycopg.Error):  # a refused row leaves its transaction open: end it
                if not self.raw.closed and self.raw.info.transaction_status != pq.TransactionStatus.IDLE:
                    self.raw.execute("ROLLBACK")

    def commit_witness(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A query that finds a row this transaction writes (any row: it commits whole or not at all). With one,
        a transaction whose BEGIN has not been sent yet sends everything with its COMMIT in one round trip; after
        a break there, the query tells on a new session, once the old one has ended, whether it committed."""
        if self._open:
            self._witness = (translate_sql(sql), params)

    def execute(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), *, retried: bool = False
    ) -> PgCursor:
        statement = " ".join(sql.split()).upper()
        if self.raw.closed:
            if statement == "ROLLBACK":  # the server dropped the transaction with the session
                self._forget_transaction()
                self._reconnect(quiet=True)
                return PgCursor(None)
            if self._open and not self._begin_pending:
                self._forget_transaction()
                raise self._lost("the connection to the server was lost; this change was not saved")
            self._reconnect_before()
        if statement in _BEGIN:
            return self._begin(statement)
        if self._begin_pending and (
            statement == "ROLLBACK" or (statement == "COMMIT" and not self._deferred)
        ):
            self._forget_transaction()  # nothing was sent: nothing to end
            return PgCursor(None)
        if statement == "ROLLBACK":
            self._deferred = []
        saved = (self._begin_pending, list(self._deferred), self._witness)
        one_trip = saved[0] is not None and statement == "COMMIT" and self._witness is not None
        try:
            returning = self._returning_id(sql)  # may read the schema: first on a new session
            text = translate_sql(sql + " RETURNING id" if returning else sql)
            if saved[0] is not None and statement == "COMMIT" and not one_trip:
                # Without a witness a COMMIT never rides with its own BEGIN: its outcome needs the transaction id.
                self._send([])
                saved = (None, [], None)
            if one_trip:
                cursor = self._send_whole(text)
            else:
                cursor = self._send(
                    [(text, params)], flush_after=statement == "COMMIT" and self._xid is not None
                )
        except psycopg.Error as exc:
            if not self._is_lost(exc):
                raise translate_error(exc) from exc
            if one_trip:
                # The whole transaction was in this round trip; its witness tells whether it committed. If it did
                # not (and never can: the old session has ended), send it all again on the new session, once.
                outcome = self._witnessed(saved[2])
                if outcome == "committed":
                    return self._saved_after_break()
                self._forget_transaction()
                if outcome == "aborted" and not retried:
                    return self._again(saved, sql, params)
                raise self._lost(
                    "the connection to the server was lost at commit; this change was not saved"
                ) from exc
            if saved[0] is not None and not retried:
                # The whole transaction so far was in this round trip: nothing of it is on the server. Begin it
                # again on a new session, once.
                self._reconnect()
                return self._again(saved, sql, params)
            return self._after_break(statement, sql, params, exc)
        if statement in ("COMMIT", "ROLLBACK"):
            if statement == "COMMIT":
                self._settings_sent.update(self._settings_pending_commit)
            self._forget_transaction()
        lastrowid = None
        if returning:
            row = cursor.fetchone()
            lastrowid = row[0] if row else None
        return PgCursor(cursor, lastrowid) if returning else PgCursor(cursor)

    def _again(self, saved: tuple[str | None, list[tuple[str, Any]], Any], sql: str, params: Any) -> PgCursor:
        """Send a transaction none of which reached the server once more (on the new session): its BEGIN and
        deferred statements as they were, then ``sql``."""
        self._begin_pending, self._deferred, self._witness = saved
        self._open = True
        return self.execute(sql, params, retried=True)

    def _send(self, statements: list[tuple[str, Any]], *, flush_after: bool = False) -> psycopg.Cursor:
        """One round trip: the pending BEGIN (with the transaction id, for writing transactions), the deferred
        statements, then ``statements``; the cursor of the last one. ``flush_after`` (a writing transaction's
        COMMIT) adds the flush barrier (:data:`_FLUSH`) to the same round trip."""
        cursor = self.raw.cursor()
        begin, deferred = self._begin_pending, self._deferred
        settings = {k: v for k, v in self._settings_wanted.items() if self._settings_sent.get(k) != v}
        if begin is None and not deferred and not settings and not flush_after and not self._refill:
            if statements:
                cursor.execute(*statements[0])
            return cursor
        writing = begin in ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
        # A witnessed transaction sent whole with its COMMIT needs no transaction id (see commit_witness).
        xid_cursor = self.raw.cursor() if writing and not (flush_after and self._witness) else None
        side = self.raw.cursor()
        refills = [(table, self.raw.cursor()) for table in sorted(self._refill)]
        self._refill = set()  # asked for again by the next reserve_id if this round trip fails
        self._begin_pending, self._deferred = None, []  # sent now, whatever the outcome
        if settings:
            # A SET in a pipeline belongs to its transaction: undone if that fails or is rolled back, so it counts
            # as the session's only once that transaction commits (see execute's COMMIT and ROLLBACK). (The
            # session's memo of facts that never change again is not theirs to forget.)
            self._settings_sent = {}
            self._settings_pending_commit = settings
        with self.raw.pipeline():
            for (
                name,
                value,
            ) in settings.items():  # before BEGIN: a session setting, kept after the transaction
                side.execute(f"SET {name} = {value}")
            if begin is not None:
                side.execute(_BEGIN[begin])
                if xid_cursor is not None:
                    xid_cursor.execute("SELECT txid_current()")
                if writing:
                    side.execute(_COMMIT_WITHOUT_WAITING)
            for text, params in deferred:
                side.execute(text, params)
            for text, params in statements:
                cursor.execute(text, params)
            if flush_after:
                side.execute(_FLUSH)
            for table, refill in refills:  # after the transaction's end: its fate is not theirs
                refill.execute(translate_sql(_NEXT_IDS), (table, _RESERVE))
        for table, refill in refills:
            self._reserved.setdefault(table, []).extend(int(row[0]) for row in refill.fetchall())
        if settings and begin is None and not self._open:  # no transaction around it: it is the session's now
            self._settings_sent, self._settings_pending_commit = dict(settings), {}
        if xid_cursor is not None:
            self._xid = int(xid_cursor.fetchone()[0])
        return cursor

    def _send_whole(self, commit: str) -> psycopg.Cursor:
        """A witnessed transaction not begun yet, sent whole with its ``commit``: settings, BEGIN, the deferred
        statements, COMMIT, the flush barrier and any top-up of reserved ids, as one Query message (parameters
        bound here), so that it leaves in one write and the server wakes once for it; a pipeline sends a packet
        per statement. The barrier, after the COMMIT, runs in a transaction of its own, which commits (and
        flushes) before the server answers."""
        settings = {k: v for k, v in self._settings_wanted.items() if self._settings_sent.get(k) != v}
        statements = [(f"SET {name} = {value}", ()) for name, value in settings.items()]
        statements += [(_BEGIN[self._begin_pending], ()), (_COMMIT_WITHOUT_WAITING, ())]
        statements += [*self._deferred, (commit, ()), (_FLUSH, ())]
        refills = sorted(self._refill)
        statements += [(translate_sql(_NEXT_IDS), (table, _RESERVE)) for table in refills]
        self._begin_pending, self._deferred, self._refill = None, [], set()  # sent now, whatever the outcome
        if settings:
            self._settings_sent = {}
            self._settings_pending_commit = settings
        cursor = psycopg.ClientCursor(self.raw)
        cursor.execute(
            "; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params]
        )
        while cursor.nextset():  # the last result: the top-up's ids, if any
            pass
        if refills:
            self._reserved.setdefault(refills[0], []).extend(int(row[0]) for row in cursor.fetchall())
            self._refill.update(
                refills[1:]
            )  # one table a trip; ids are reserved for one table (events) anyway
        return cursor

    def _forget_transaction(self) -> None:
        self._open, self._xid, self._begin_pending, self._deferred = False, None, None, []
        self._witness = None
        self._settings_pending_commit = {}

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        if self.raw.closed:
            if self._open and not self._begin_pending:
                self._forget_transaction()
                raise self._lost("the connection to the server was lost; this change was not saved")
            self._reconnect_before()
        cursor = self.raw.cursor()
        try:
            self._send([])  # the pending BEGIN and deferred statements first
            cursor.executemany(translate_sql(sql), rows)
        except psycopg.Error as exc:
            if self._is_lost(exc):
                self._forget_transaction()
                raise self._lost("the connection to the server was lost; this change was not saved") from exc
            raise translate_error(exc) from exc
        return PgCursor(cursor)

    # -- breaks ----------------------------------------------------------------------------------------------------
    def _begin(self, statement: str) -> PgCursor:
        """Remember the BEGIN: it is sent with the transaction's first statement (see :meth:`_send`)."""
        if self._open:
            error = PgOperationalError("cannot start a transaction within a transaction")
            error.sqlstate = "25001"  # active_sql_transaction
            raise error
        self._begin_pending, self._deferred, self._open = statement, [], True
        return PgCursor(None)

    def _is_lost(self, exc: psycopg.Error) -> bool:
        state = getattr(exc, "sqlstate", None) or ""
        return self.raw.closed or (isinstance(exc, psycopg.OperationalError) and state.startswith(_LOST))

    def _after_break(self, statement: str, sql: str, params: Any, exc: psycopg.Error) -> PgCursor:
        was_open, xid = self._open, self._xid
        self._forget_transaction()
        if statement == "COMMIT" and xid is not None:
            self._reconnect()
            try:
                committed = self._outcome(xid) == "committed"
            except psycopg.Error:
                committed = False  # the new session broke too: nothing says it was saved
            if committed:
                return self._saved_after_break()  # it may not have reached the disk yet: saved once it has
            raise self._lost(
                "the connection to the server was lost at commit; this change was not saved"
            ) from exc
        if was_open or statement == "COMMIT":
            self._reconnect(quiet=True)
            raise self._lost("the connection to the server was lost; this change was not saved") from exc
        if statement.startswith(("SELECT", "WITH")):
            self._reconnect()
            return self.execute(sql, params)
        raise translate_error(exc) from exc

    def _witnessed(self, witness: tuple[str, Any]) -> str | None:
        """'committed' or 'aborted' (None: not known in time) for a one-trip transaction whose session broke in
        its round trip: its witness row, read on a new session once the old session's transaction has ended. A
        server that is restarting is waited for (as long as a commit's outcome is, :data:`_OUTCOME_WAIT_S`)."""
        old = self._pid
        sql, params = witness
        deadline = time.monotonic() + _OUTCOME_WAIT_S
        while True:
            try:
                if self.raw.closed:
                    self._reconnect()
                ended = not self.raw.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state <> 'idle'", (old,)
                ).fetchone()[0]
                if self.raw.execute(sql, params).fetchone() is not None:
                    return "committed"
                if ended:
                    return "aborted"
            except (psycopg.Error, PgConnectionLost):
                pass  # the server is not back yet, or the new session broke too: ask again
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def _saved_after_break(self) -> PgCursor:
        """A transaction found committed after its session broke: saved once it is on disk (see :data:`_FLUSH`)."""
        self._forget_transaction()
        try:
            self.raw.execute(_FLUSH)
        except psycopg.Error as exc:
            raise self._lost(
                "the connection to the server was lost at commit and again before the server could say that"
                " this change is on disk; it is shown not saved"
            ) from exc
        return PgCursor(None)

    def _outcome(self, xid: int) -> str | None:
        """'committed' or 'aborted' (or None: unknown) for the transaction ``xid`` of a session that broke."""
        deadline = time.monotonic() + _OUTCOME_WAIT_S
        while True:
            status = self.raw.execute("SELECT txid_status(%s)", (xid,)).fetchone()[0]
            if status != "in progress" or time.monotonic() > deadline:
                return status
            time.sleep(0.05)

    def _reconnect(self, quiet: bool = False) -> bool:
        """A new session on the same server; ``quiet``: a failure is left for the next statement to report.

        :raises PgConnectionLost: the server cannot be reached (stopped, restarting, the network down): a
            :class:`~bwvtool.errors.ConnectionLost`, which callers report as not saved (the app tries again)."""
        if self.url is None:
            raise self._lost("the connection to the server was lost")
        try:
            self._setup(psycopg.connect(self.url, autocommit=True))
            self._settings_sent, self.memo = {}, {}
        except psycopg.Error as exc:
            if quiet:
                return False
            # The plain reason in the message; libpq's text (socket path, host, errno) kept aside as the detail.
            raise self._lost("the server cannot be reached", detail=str(translate_error(exc))) from exc
        return True

    def _reconnect_before(self) -> None:
        """Reconnect before a statement; if the server cannot be reached, a transaction none of which was sent
        yet is dropped (nothing of it is on the server) and reported not saved, so the connection is ready for the
        next action."""
        try:
            self._reconnect()
        except PgConnectionLost as exc:
            if not self._open:
                raise
            self._forget_transaction()
            raise self._lost(f"{exc}; this change was not saved", detail=exc.detail) from exc

    @staticmethod
    def _lost(message: str, detail: str = "") -> PgConnectionLost:
        error = PgConnectionLost(message)
        error.sqlstate = "08006"
        error.detail = detail
        return error

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    # -- lastrowid ---------------------------------------------------------------------------------------------
    def _returning_id(self, sql: str) -> bool:
        """Does this single INSERT need ``RETURNING id`` added to report its ``lastrowid``?"""
        match = _INSERT_INTO.match(sql)
        if not match or _RETURNING.search(sql):
            return False
        if self._id_tables is None:
            # pg_catalog, not information_schema: the latter checks privileges row by row (10 ms on a busy server,
            # paid by each session's first insert, i.e. by a reviewer's first key press).
            rows = self.raw.execute(
                "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE a.attname = 'id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')"
                " AND c.relnamespace = current_schema()::regnamespace"
            ).fetchall()
            self._id_tables = frozenset(r[0] for r in rows)
        return match.group(1).lower() in self._id_tables

    def forget_schema(self) -> None:
        """Call after a migration: the tables that have an ``id`` column may have changed."""
        self._id_tables = None


def is_postgres(conn: Any) -> bool:
    """Is ``conn`` (a connection or a store Transaction) on PostgreSQL?"""
    return getattr(getattr(conn, "conn", conn), "engine", None) == ENGINE
