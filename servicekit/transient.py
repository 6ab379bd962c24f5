"""Which failures are transient: worth trying again as they are, because the fault was not in the
work but around it (the database restarting or unreachable, a connection cut, two transactions
colliding). Anything else is a bug or a bad message, and retrying it blindly would hide it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from aiormq.exceptions import ChannelInvalidStateError
from asyncpg.exceptions import InterfaceError, InternalClientError, TargetServerAttributeNotMatched
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATEs: 08xxx connection exception; 57P01..57P03 admin shutdown, crash shutdown, cannot
# connect now (a restart); 40001 serialization failure; 40P01 deadlock detected; 53300 too many
# connections; 25006 read-only transaction: no transaction here is read-only, so the server is a
# standby or a primary being demoted (a failover under way: the next connection finds the new
# primary).
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01", "53300", "25006"})
# OSErrors that are about files, not about a peer: never transient.
FILE_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def is_transient(exc: BaseException) -> bool:
    for error in _chain(exc):
        # Refused, reset, unreachable, timed out (AMQP connection errors are OSErrors too); a
        # channel lost with its connection; the pool exhausted.
        if isinstance(error, OSError) and not isinstance(error, FILE_ERRORS):
            return True
        # TargetServerAttributeNotMatched: every host of a multi-host DATABASE_URL answered and
        # none is a primary yet (a failover under way).
        if isinstance(
            error, ChannelInvalidStateError | PoolTimeout | TargetServerAttributeNotMatched
        ):
            return True
        # A connection whose protocol asyncpg left mid-operation (servicekit.pg closes it, and
        # the retry gets a fresh one).
        if isinstance(error, InternalClientError):
            return True
        # asyncpg raising while it handles a fault, as a transaction's rollback on a connection
        # the server closed does ("the underlying connection is closed"): the fault it handled
        # is what counts.
        if isinstance(error, InterfaceError) and error.__context__ is not None:
            return is_transient(error.__context__)
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith("08")
        ):
            return True
    return False


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> None:
    """A transient failure in one line; any other with its traceback."""
    if is_transient(exc):
        log.warning("%s failed (%s); retrying", what, describe(exc))
    else:
        log.error("%s failed; retrying", what, exc_info=exc)


def describe(exc: BaseException) -> str:
    """One line for a log: the innermost cause, which names the fault."""
    *_, innermost = _chain(exc)
    return f"{type(innermost).__name__}: {innermost}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and its explicit causes (`raise ... from`), as drivers wrap what they catch; not
    `__context__`, which would count a bug in an `except` block as the fault it handled."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__
