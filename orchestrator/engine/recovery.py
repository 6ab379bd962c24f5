"""Error recovery: what happens when a state raises an ASL error (Retry, then Catch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import StatesError
from .paths import apply_result_path
from .retry import Catcher

if TYPE_CHECKING:
    from .runtime import Runtime, Thread
    from .states.base import State


def recover(rt: Runtime, th: Thread, state: State, exc: StatesError) -> None:
    """Retry, catch, or fail the thread with the error `state` raised.

    "Step Functions scans through the Retriers and, when the Error Name appears in the value
    of a Retrier's ErrorEquals field, implements the retry policy described in that Retrier";
    then the Catchers, in order; then the thread (branch, iteration or execution) fails.
    """
    error, cause = exc.error, exc.cause
    counts = list(th.retry_counts or [0] * len(state.retriers))
    for i, retrier in enumerate(state.retriers):
        if not retrier.matches(error):
            continue
        if counts[i] < retrier.max_attempts:
            delay = retrier.delay(counts[i], rt.entropy)
            counts[i] += 1
            th.retry_counts = counts
            th.retry_count += 1
            th.phase = "retry"
            rt.set_timer(th, "retry", delay)
            return
        break  # "the retrier that matched is exhausted": fall through to the catchers
    if exc.state_failed_event:
        rt.emit_in(th, exc.state_failed_event)
    for catcher in state.catchers:
        if catcher.matches(error):
            _catch(rt, th, state, catcher, error, cause)
            return
    rt.fail_thread(th, error, cause)


def _catch(
    rt: Runtime, th: Thread, state: State, catcher: Catcher, error: str | None, cause: str | None
) -> None:
    error_output = {"Error": error, "Cause": cause}
    try:
        if state.jsonata:
            states = {"input": th.input, "errorOutput": error_output}
            assigned = (
                state.evaluate_jsonata(rt, th, catcher.assign, "Assign", **states)
                if catcher.assign
                else None
            )
            output = (
                state.evaluate_jsonata(rt, th, catcher.output, "Output", **states)
                if catcher.output is not None
                else error_output
            )
        else:
            assigned = (
                state.template(rt, th, catcher.assign, error_output) if catcher.assign else None
            )
            output = apply_result_path(th.input, catcher.result_path, error_output)
    except StatesError as exc:
        rt.fail_thread(th, exc.error, exc.cause)
        return
    # AWS leaves the state (StateExited, with the catcher's output) and goes to its Next.
    rt.transition(th, state, output, assigned=assigned, next_state=catcher.next)
