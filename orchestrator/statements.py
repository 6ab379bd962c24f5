"""The SQL of a transition. Each is one fixed text, prepared once per connection.

WRITE_DECISIONS writes everything that any number of executions' decisions produced in a single
statement: data-modifying CTEs over arrays (one array per column, one element per row), so a
batch of replies from many executions costs one round trip to write however many rows it has.
JSON travels as text[] and is cast in SQL (a jsonb[] parameter would read a JSON array as a
nested SQL array). Its parameters are built by orchestrator.writes.WriteSet.arguments(), in the
order numbered here.
Within one statement no CTE sees another's rows, so WriteSet nets out what one batch both did and
undid (a timer set then cancelled, a token issued then closed) before it gets here.
"""

from __future__ import annotations

_DECISION_CTES = """
history AS (
    INSERT INTO orchestrator.history_events
        (execution_id, event_id, previous_event_id, timestamp, type, details)
    SELECT u.execution_id, u.event_id, COALESCE(u.previous, u.event_id - 1), $1, u.type,
           u.details::jsonb
    FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::int[])
        AS u(execution_id, event_id, type, details, previous)
    {gate}
),
closed_tokens AS (
    UPDATE orchestrator.task_tokens SET closed_at = $1
    WHERE token = ANY($7::text[]) AND closed_at IS NULL {token_gate}
),
issued_tokens AS (
    INSERT INTO orchestrator.task_tokens
        (token, execution_id, state_name, attempt, issued_at, closed_at)
    SELECT u.token, u.execution_id, u.state_name, u.attempt, $1, u.closed_at
    FROM unnest($8::text[], $9::text[], $10::text[], $11::int[], $12::timestamptz[])
        AS u(token, execution_id, state_name, attempt, closed_at)
    {gate}
),
cancelled_timers AS (
    DELETE FROM orchestrator.timers t
    USING unnest($13::text[], $14::text[]) AS u(execution_id, timer_id)
    WHERE t.execution_id = u.execution_id AND t.timer_id = u.timer_id {and_gate}
),
set_timers AS (
    INSERT INTO orchestrator.timers (execution_id, timer_id, due_at)
    SELECT u.execution_id, u.timer_id, u.due_at
    FROM unnest($15::text[], $16::text[], $17::timestamptz[]) AS u(execution_id, timer_id, due_at)
    {gate}
    ON CONFLICT (execution_id, timer_id) DO UPDATE SET due_at = excluded.due_at
),
new_outbox AS (
    INSERT INTO orchestrator.outbox (execution_id, queue, message_id, headers, body, created_at)
    SELECT u.execution_id, u.queue, u.message_id, u.headers::jsonb, u.body::jsonb, $1
    FROM unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[])
        AS u(execution_id, queue, message_id, headers, body)
    {gate}
    RETURNING id, message_id
),
published AS (
    UPDATE orchestrator.outbox SET published_at = $1
    WHERE id = ANY($23::bigint[]) AND published_at IS NULL
),
rejected AS (
    INSERT INTO orchestrator.rejected_replies
        (token, execution_id, status, reason, via, payload, stale, received_at)
    SELECT u.token, u.execution_id, u.status, u.reason, u.via, u.payload::jsonb, u.stale, $1
    FROM unnest($24::text[], $25::text[], $26::text[], $27::text[], $28::text[], $29::text[],
                $30::bool[]) AS u(token, execution_id, status, reason, via, payload, stale)
),
changed_parts AS (
    INSERT INTO orchestrator.execution_parts (execution_id, key, value)
    SELECT u.execution_id, u.key, u.value::jsonb
    FROM unnest($31::text[], $32::text[], $33::text[]) AS u(execution_id, key, value)
    {gate}
    ON CONFLICT (execution_id, key) DO UPDATE SET value = excluded.value
),
removed_parts AS (
    DELETE FROM orchestrator.execution_parts p
    USING unnest($34::text[], $35::text[]) AS u(execution_id, key)
    WHERE p.execution_id = u.execution_id AND p.key = u.key {and_gate}
)"""

# Parameters of the executions' own rows, after the 34 above.
_EXECUTION_COLUMNS = """unnest($36::text[], $37::int[], $38::text[], $39::text[], $40::text[],
           $41::text[], $42::timestamptz[], $43::int[], $44::bigint[])
        AS u(execution_id, event_count, status, output, error, cause, stop_date, redrives,
             state_version)"""

_UPDATED_EXECUTIONS = f"""
updated AS (
    UPDATE orchestrator.executions e
    SET event_count = u.event_count, status = u.status, output = u.output::jsonb,
        error = u.error, cause = u.cause, stop_date = u.stop_date,
        redrive_count = e.redrive_count + u.redrives, state_version = u.state_version
    FROM {_EXECUTION_COLUMNS}
    WHERE e.execution_id = u.execution_id {{and_gate}}
)"""


def _gated_by(cte: str) -> dict[str, str]:
    """The placeholders of _DECISION_CTES and _UPDATED_EXECUTIONS that write an execution's rows
    only if `cte` names the execution (its own rows come with `u.`, a token's without)."""
    among = f"execution_id IN (SELECT execution_id FROM {cte})"
    return {"gate": f"WHERE u.{among}", "and_gate": f"AND u.{among}", "token_gate": f"AND {among}"}


_UNGATED = {"gate": "", "and_gate": "", "token_gate": ""}

WRITE_DECISIONS = f"""
WITH {_DECISION_CTES.format(**_UNGATED)},
{_UPDATED_EXECUTIONS.format(**_UNGATED)}
SELECT id, message_id FROM new_outbox
"""


# WRITE_DECISIONS for decisions taken on states this orchestrator cached (orchestrator.service,
# the cached settlement), in one statement and without BEGIN and COMMIT: it locks each execution
# whose row still shows the state_version the decision was taken on ($45, one per row of
# $36..$44), skipping any that another transaction holds, and writes only those executions'
# rows. The answer names the outbox rows written and the executions written; the replies of
# any other execution are settled again under the lock.
WRITE_DECISIONS_IF_CURRENT = f"""
WITH still_current AS (
    SELECT e.execution_id FROM orchestrator.executions e
    JOIN unnest($36::text[], $45::bigint[]) AS c(execution_id, state_version)
        ON e.execution_id = c.execution_id AND e.state_version = c.state_version
    FOR UPDATE OF e SKIP LOCKED
),
{_DECISION_CTES.format(**_gated_by("still_current"))},
{_UPDATED_EXECUTIONS.format(**_gated_by("still_current"))}
SELECT id, message_id, NULL AS applied FROM new_outbox
UNION ALL
SELECT NULL, NULL, execution_id FROM still_current
"""

# StartExecution, for a batch of starts in one statement (one round trip, atomic without
# BEGIN/COMMIT; orchestrator.starts): insert each execution with its first decision already
# applied, unless its name is taken or (`any_version` false) its state machine has a newer
# version than the one decided on; everything else of an execution is written only if its row
# was. The answer names the outbox rows written and the executions created; a start not among
# them goes down the slow path to find out why.
START_EXECUTIONS = f"""
WITH created AS (
    INSERT INTO orchestrator.executions
        (execution_id, name, state_machine_name, state_machine_version, status, input, output,
         error, cause, start_date, stop_date, event_count, state_version, traceparent)
    SELECT u.execution_id, u.name, u.machine, u.version, u.status, u.input::jsonb,
           u.output::jsonb, u.error, u.cause, $1, u.stop_date, u.event_count, u.state_version,
           u.traceparent
    FROM unnest($36::text[], $37::int[], $38::text[], $39::text[], $40::text[],
                $41::text[], $42::timestamptz[], $43::int[], $44::bigint[],
                $45::text[], $46::text[], $47::int[], $48::text[], $49::text[], $50::bool[])
        AS u(execution_id, event_count, status, output, error, cause, stop_date, redrives,
             state_version, name, machine, version, input, traceparent, any_version)
    WHERE u.any_version
       OR (SELECT max(version) FROM orchestrator.state_machines WHERE name = u.machine) = u.version
    ON CONFLICT (execution_id) DO NOTHING
    RETURNING execution_id
),
{_DECISION_CTES.format(**_gated_by("created"))}
SELECT id, message_id, NULL AS created FROM new_outbox
UNION ALL
SELECT NULL, NULL, execution_id FROM created
"""

# What a transition reads of an execution's row: not its input or output, which can be large
# (a Map's items) and which the engine keeps in its own state (the "input" part).
_ROW = """e.execution_id, e.name, e.state_machine_name, e.state_machine_version, e.status, e.error,
e.cause, e.start_date, e.stop_date, e.event_count, e.redrive_count, e.state_version"""

# One event at a time (a timer, a stop, a redrive): the row and the trace it belongs to.
LOCK_EXECUTION = f"""
SELECT {_ROW}, e.traceparent FROM orchestrator.executions e WHERE execution_id = $1 FOR UPDATE
"""

LOCK_EXECUTION_SKIP_LOCKED = f"""
SELECT {_ROW}, e.traceparent FROM orchestrator.executions e
WHERE execution_id = $1 FOR UPDATE SKIP LOCKED
"""

SELECT_EXECUTION = "SELECT * FROM orchestrator.executions WHERE execution_id = $1"
# A long-poll's check (orchestrator.end_waiters): the status alone, no input or output to decode.
SELECT_STATUS = "SELECT status FROM orchestrator.executions WHERE execution_id = $1"
# The long-polls' recheck: which of the waited-on executions still run.
SELECT_RUNNING_AMONG = """
SELECT execution_id FROM orchestrator.executions
WHERE execution_id = ANY($1::text[]) AND status = 'RUNNING'
"""

# The executions of a batch's reply tokens, locked, and the tokens with them; an execution
# another transaction holds is skipped (with its tokens) and left for the batch's next round.
LOCK_EXECUTIONS_OF_TOKENS = f"""
SELECT t.token, t.closed_at, t.state_name, t.issued_at, {_ROW}
FROM orchestrator.task_tokens t
JOIN orchestrator.executions e ON e.execution_id = t.execution_id
WHERE t.token = ANY($1::text[])
FOR UPDATE OF e SKIP LOCKED
"""

SELECT_PARTS = """
SELECT execution_id, key, value FROM orchestrator.execution_parts
WHERE execution_id = ANY($1::text[])
"""

# The whole history as the JSON array the REST API returns, built by Postgres: web polls it for
# every order, and decoding each event's details into Python only to encode them again cost
# the orchestrator more than the query did. Timestamps in UTC with microseconds, as RFC 3339.
_HISTORY_JSON = """
SELECT coalesce(json_agg(json_build_object(
    'id', event_id,
    'previousEventId', previous_event_id,
    'timestamp', to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'type', type,
    'details', details) ORDER BY event_id {order}), '[]')::text
FROM orchestrator.history_events WHERE execution_id = $1
"""
HISTORY_JSON = _HISTORY_JSON.format(order="")
HISTORY_JSON_REVERSED = _HISTORY_JSON.format(order="DESC")

SELECT_TOKENS = """
SELECT token, execution_id, closed_at, state_name FROM orchestrator.task_tokens
WHERE token = ANY($1::text[])
"""

TAKE_TIMER = """
DELETE FROM orchestrator.timers WHERE execution_id = $1 AND timer_id = $2 RETURNING timer_id
"""

DUE_TIMERS = """
SELECT execution_id, timer_id FROM orchestrator.timers
WHERE due_at <= $1 ORDER BY due_at LIMIT $2
"""

MARK_PUBLISHED = """
UPDATE orchestrator.outbox SET published_at = $2
WHERE id = ANY($1::bigint[]) AND published_at IS NULL
"""

CLAIM_STRANDED_OUTBOX = """
SELECT id, execution_id, queue, message_id, headers, body FROM orchestrator.outbox
WHERE published_at IS NULL AND created_at < $1
ORDER BY id LIMIT $2
FOR UPDATE SKIP LOCKED
"""

PRUNE_OUTBOX = """
DELETE FROM orchestrator.outbox WHERE published_at IS NOT NULL AND published_at < $1
"""
