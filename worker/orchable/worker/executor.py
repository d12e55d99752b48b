"""Runs one claimed task end to end: wait for a call slot (orchable.worker.slots), pick the
provider and model, take a key, call, check the output, record the call, give the slot back,
and hand the task back to the database with exactly one of complete_task,
report_task_failure or release_task.

Pure orchestration over `orchable.db.worker_rpc`: no SQL here. The worker says what
happened; the database decides every state transition (whether a failure is retried, the
backoff, how long a task waits for a key, fan-out). What this module decides is what to
try next and what to report:
- success and an output that matches `output_schema` -> complete_task;
- rate limit -> report the key (Retry-After sets its cooldown) and take the next key at
  once; overloaded, or rate-limited on every key -> the next fallback model (which may
  use the keys the claim saw rate-limited); when every key of the provider is blocked
  on some model and no model answered, or a claim's calls reach their cap
  (`max_calls_per_claim`) each rate-limited or on an invalid key -> no_usable_key;
  every model overloaded -> overloaded;
- invalid key -> the key is deactivated (report_api_key_result) and the next one is used;
- server error, timeout, output that is not JSON or breaks `output_schema`, a request the
  provider refuses as malformed -> that kind; an `output_schema` that cannot check
  anything -> invalid_schema; a task whose JSON the worker cannot decode
  (orchable.db.worker_rpc.claim_tasks) -> unreadable_task, an output that cannot be
  checked within the worker's limits (orchable.worker.validation.check_output) ->
  output_uncheckable.
Each kind is reported with report_task_failure (orchable.failure_kinds says what follows).
Every call made is recorded with record_llm_call, failures included.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from psycopg_pool import AsyncConnectionPool

from orchable.db import worker_rpc as rpc
from orchable.db.worker_rpc import (
    ApiKey,
    CallRecord,
    ClaimedTask,
    Completion,
    FailureKind,
    KeyReport,
    StaleClaimError,
)
from orchable.logs import log_event
from orchable.settings import ExecutorSettings
from orchable.worker.keys import KeyBroker
from orchable.worker.providers.base import (
    ErrorKind,
    LLMRequest,
    LLMResponse,
    Provider,
    ProviderError,
)
from orchable.worker.slots import CallSlots, WorkerStopping
from orchable.worker.validation import InvalidSchemaError, UncheckableOutputError, check_output
from orchable.worker.writer import ResultWriter

log = logging.getLogger("orchable.worker.executor")

# How a call's outcome is reported to report_api_key_result, which judges the key's health
# only: an overloaded model, a malformed request or a bad output say the key works.
_KEY_OUTCOME = {
    "success": "success",
    ErrorKind.RATE_LIMITED: "rate_limited",
    ErrorKind.OVERLOADED: "success",
    ErrorKind.SERVER_ERROR: "server_error",
    ErrorKind.TIMEOUT: "timeout",
    ErrorKind.INVALID_OUTPUT: "success",
    ErrorKind.INVALID_KEY: "invalid_key",
    ErrorKind.INVALID_REQUEST: "success",
}


class Outcome(enum.StrEnum):
    COMPLETED = "completed"  # complete_task: completed, or generated awaiting approval
    RETRYING = "retrying"  # back to plan after a backoff (a retry spent)
    FAILED = "failed"  # failed for good (or complete_task refused the split)
    RELEASED = "released"  # back to plan, no retry spent (waiting for a key, or stopping)
    STALE = "stale"  # the claim was no longer ours: the database changed nothing


class _Wait(Exception):
    """Every key of the provider is blocked for every model, or every call of the claim met
    a blocked or dead key: hand the task back (no retry spent)."""


class _Finish(Exception):
    """End the attempt: report_task_failure with the failure's kind."""

    def __init__(self, error: str, kind: FailureKind) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind


# The failures of a call that end the attempt (rate limits, invalid keys and overloads
# move on to the next key or model instead).
_FAILURE_OF_CALL = {
    ErrorKind.SERVER_ERROR: FailureKind.SERVER_ERROR,
    ErrorKind.TIMEOUT: FailureKind.TIMEOUT,
    ErrorKind.INVALID_OUTPUT: FailureKind.INVALID_OUTPUT,
    ErrorKind.INVALID_REQUEST: FailureKind.INVALID_REQUEST,
}


def _model_chain(
    ai_settings: dict[str, Any], provider: str, settings: ExecutorSettings
) -> list[str]:
    model = ai_settings.get("model") or settings.default_models.get(provider) or ""
    chain = [str(model)]
    fallbacks = ai_settings.get("fallback_models") or []
    if isinstance(fallbacks, str):
        fallbacks = [fallbacks]
    for fallback in fallbacks:
        if fallback and str(fallback) not in chain:
            chain.append(str(fallback))
    return chain


def build_request(task: ClaimedTask, model: str, settings: ExecutorSettings) -> LLMRequest:
    s = task.ai_settings
    timeout = s.get("timeout_seconds")
    return LLMRequest(
        prompt=task.prompt,
        model=model,
        output_schema=task.output_schema,
        temperature=s.get("temperature"),
        top_p=s.get("top_p"),
        top_k=s.get("top_k"),
        max_output_tokens=s.get("max_output_tokens"),
        system_instruction=s.get("system_instruction"),
        task_input=task.input_data,
        timeout_seconds=float(timeout) if timeout is not None else settings.call_timeout_seconds,
    )


class TaskExecution:
    """One claimed task. `run()` returns the Outcome; it raises CancelledError when the
    worker cancels it (the worker then releases the task)."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        providers: Mapping[str, Provider],
        task: ClaimedTask,
        settings: ExecutorSettings,
        writer: ResultWriter,
        keys: KeyBroker,
        slots: CallSlots,
    ) -> None:
        self.pool = pool
        self.writer = writer
        self.keys = keys
        self.slots = slots
        self.providers = providers
        self.task = task
        self.settings = settings
        self.provider_name = str(task.ai_settings.get("provider") or settings.default_provider)
        self.calls = 0
        self._key_faults = 0  # calls a rate limit or an invalid key answered
        self._last_key_id: Any = None
        self._key_ahead: list[ApiKey | None] = []  # taken before the slot, for the first call
        # Keys a model rate-limited in this claim: blocked in api_key_health (a block is per
        # key), yet free to try on a fallback model (providers' quotas are per model).
        self._rate_limited_keys: list[ApiKey] = []

    def _log(self, level: int, event: str, **fields: Any) -> None:
        log_event(log, level, event, task_id=self.task.task_id, **fields)

    async def run(self) -> Outcome:
        if self.task.unreadable is not None:
            return await self._fail(self.task.unreadable, FailureKind.UNREADABLE_TASK)
        provider = self.providers.get(self.provider_name)
        if provider is None:
            known = ", ".join(sorted(self.providers)) or "none"
            return await self._fail(
                f"unknown provider {self.provider_name!r} (this worker has: {known})",
                FailureKind.UNKNOWN_PROVIDER,
            )
        chain = _model_chain(self.task.ai_settings, self.provider_name, self.settings)
        try:
            if provider.needs_key:
                # Taken while the task waits for a slot: the call starts as soon as it has one.
                self._key_ahead.append(await self.keys.acquire(self.task, provider.name, chain[0]))
            async with self.slots.slot():
                response, model = await self._call_models(provider, chain)
            return await self._complete(response, model)
        except _Finish as finish:
            return await self._fail(finish.error, finish.kind)
        except _Wait:
            return await self._release_until_a_key_is_free()
        except WorkerStopping:
            return await release(self.pool, self.task, 0, "worker stopping")

    async def _call_models(self, provider: Provider, chain: list[str]) -> tuple[LLMResponse, str]:
        """The answer and the model that gave it, trying the stage's models in turn.
        Raises _Finish or _Wait (until a key is free)."""
        overloaded: ProviderError | None = None
        keys_blocked = False
        for model in chain:
            answer = await self._call_model(provider, model)
            if isinstance(answer, LLMResponse):
                return answer, model
            if answer is None:
                keys_blocked = True
            else:
                overloaded = answer
        if overloaded is not None and not keys_blocked:
            # No key to wait for: a retry with the database's backoff, so a model that
            # stays overloaded ends the task after its retries.
            fallbacks = ", ".join(chain[1:])
            also = f" (as was every fallback model: {fallbacks})" if fallbacks else ""
            raise _Finish(f"{overloaded}{also}", FailureKind.OVERLOADED)
        raise _Wait  # some model was rate-limited on every key: wait for a key

    async def _call_model(
        self, provider: Provider, model: str
    ) -> LLMResponse | ProviderError | None:
        """The response; the overloaded error, to try the next model; None when the model
        was rate-limited on every key, to try the next model with the keys it blocked.
        Raises _Finish or _Wait (no usable key to begin with)."""
        rate_limited = False
        # A fallback model may use the keys an earlier model rate-limited, once each.
        borrowable = list(self._rate_limited_keys)
        while True:
            if self.calls >= self.settings.max_calls_per_claim:
                if self._key_faults == self.calls:
                    # Many keys, each rate-limited in turn: the keys' fault, not the task's,
                    # so it waits for a key as when all are blocked, and spends no retry.
                    raise _Wait
                message = f"gave up after {self.calls} calls in one attempt"
                raise _Finish(message, FailureKind.TOO_MANY_CALLS)
            key: ApiKey | None = None
            borrowed = False
            if provider.needs_key:
                key = await self._take_key(provider, model)
                if key is None and borrowable:
                    key, borrowed = borrowable.pop(0), True
                if key is None:
                    if rate_limited:
                        return None  # rate-limited on every key: the next model
                    raise _Wait
            response, error = await self._call(provider, model, key, borrowed)
            if error is None:
                assert response is not None
                return response
            if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.INVALID_KEY):
                self._key_faults += 1
            if error.kind == ErrorKind.RATE_LIMITED:
                rate_limited = True
                if key is not None and key not in self._rate_limited_keys:
                    self._rate_limited_keys.append(key)
                continue  # the key is blocked now: take the next one at once
            if error.kind == ErrorKind.INVALID_KEY:
                if key in self._rate_limited_keys:
                    self._rate_limited_keys.remove(key)
                continue  # the key is deactivated now: take the next one
            if error.kind == ErrorKind.OVERLOADED:
                return error
            raise _Finish(str(error), _FAILURE_OF_CALL[error.kind])

    async def _take_key(self, provider: Provider, model: str) -> ApiKey | None:
        """The key taken before the slot, for the first call; a new one for the others."""
        if self._key_ahead:
            return self._key_ahead.pop()
        return await self.keys.acquire(self.task, provider.name, model)

    async def _call(
        self, provider: Provider, model: str, key: ApiKey | None, borrowed: bool = False
    ) -> tuple[LLMResponse | None, ProviderError | None]:
        """One call: made, checked, recorded and reported. Returns the response or the error.
        A `borrowed` key (rate-limited on another model) reports no success: that would
        lift the cooldown the other model's Retry-After set."""
        self.calls += 1
        request = build_request(self.task, model, self.settings)
        started = time.monotonic()
        response: LLMResponse | None = None
        error: ProviderError | None = None
        try:
            async with asyncio.timeout(request.timeout_seconds + 5.0):
                response = await provider.generate(request, key.api_key if key else None)
        except ProviderError as exc:
            error = exc
        except TimeoutError:
            error = ProviderError(
                ErrorKind.TIMEOUT, f"no answer within {request.timeout_seconds:g} s"
            )
        except asyncio.CancelledError:
            # The worker is stopping mid-call: the call was made, so it is recorded.
            await self._record_cancelled(provider, model, key, None, started)
            raise
        except Exception as exc:  # a provider bug or an unclassified transport error
            error = ProviderError(ErrorKind.SERVER_ERROR, f"{type(exc).__name__}: {exc}")
        latency_ms = int((time.monotonic() - started) * 1000)

        finish: _Finish | None = None
        if response is not None:
            try:
                error, finish = await self._check(response)
            except asyncio.CancelledError:
                # Stopping while the output is checked: the call was made, so it is recorded.
                await self._record_cancelled(provider, model, key, response, started)
                raise

        kind = error.kind if error else None
        message = str(error) if error else None
        http_status = error.http_status if error else None
        # Queued now, in the order calls end: a success is written in the transaction that
        # completes the task (or an earlier one). The key's result is reported before any
        # wait, so a key's failures and successes reach its health in that order too.
        recorded = self.writer.record_soon(
            self._call_record(
                provider, model, key, response, latency_ms, kind, message, http_status
            )
        )
        key_outcome = _KEY_OUTCOME[kind] if kind else "success"
        retry_after = error.retry_after_seconds if error else None
        if not (borrowed and key_outcome == "success"):
            await self._report(key, key_outcome, retry_after, message)
        if error is not None:
            await asyncio.shield(recorded)  # written before the failure moves the retry count on
        self._log(
            logging.DEBUG if error is None else logging.WARNING,
            "llm_call",
            provider=provider.name,
            model=model,
            key=key.key_name if key else None,
            outcome=kind.value if kind else "success",
            latency_ms=latency_ms,
            error=message,
        )
        if finish is not None:
            raise finish
        if error is None:
            self._last_key_id = key.api_key_id if key else None
            return response, None
        return None, error

    async def _check(self, response: LLMResponse) -> tuple[ProviderError | None, _Finish | None]:
        """The output checked against output_schema, off the event loop: the call's error
        (None when the output matches), and how the task ends when no retry can help: its
        schema is invalid (the stage is wrong), or its output could not be checked."""
        try:
            problem = await check_output(
                response.output,
                self.task.output_schema,
                timeout_seconds=self.settings.check_timeout_seconds,
                max_bytes=self.settings.max_checked_output_bytes,
            )
        except InvalidSchemaError as exc:
            mismatch = f"output does not match output_schema: {exc}"
            finish = _Finish(str(exc), FailureKind.INVALID_SCHEMA)
            return ProviderError(ErrorKind.INVALID_OUTPUT, mismatch), finish
        except UncheckableOutputError as exc:
            finish = _Finish(str(exc), FailureKind.OUTPUT_UNCHECKABLE)
            return ProviderError(ErrorKind.INVALID_OUTPUT, str(exc)), finish
        if problem is None:
            return None, None
        mismatch = f"output does not match output_schema: {problem}"
        return ProviderError(ErrorKind.INVALID_OUTPUT, mismatch), None

    async def _record_cancelled(
        self,
        provider: Provider,
        model: str,
        key: ApiKey | None,
        response: LLMResponse | None,
        started: float,
    ) -> None:
        """Records a call the worker stopped in the middle of (or of checking its output)."""
        latency = int((time.monotonic() - started) * 1000)
        cancelled = self.writer.record(
            self._call_record(
                provider,
                model,
                key,
                response,
                latency,
                ErrorKind.TIMEOUT,
                "cancelled: worker stopping",
            )
        )
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(cancelled), 5.0)

    def _call_record(
        self,
        provider: Provider,
        model: str,
        key: ApiKey | None,
        response: LLMResponse | None,
        latency_ms: int,
        kind: ErrorKind | None,
        message: str | None,
        http_status: int | None = None,
    ) -> CallRecord:
        usage = response.usage if response else None
        return CallRecord(
            task_id=self.task.task_id,
            claim_token=self.task.claim_token,
            provider=provider.name,
            model=(response.model if response and response.model else model),
            outcome=kind.value if kind else "success",
            api_key_id=key.api_key_id if key else None,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            thoughts_tokens=usage.thoughts_tokens if usage else 0,
            latency_ms=latency_ms,
            http_status=http_status,
            error=message,
            response_id=response.response_id if response else None,
        )

    async def _report(
        self, key: ApiKey | None, outcome: str, retry_after: float | None, error: str | None
    ) -> None:
        """Returns once a failure is written (the key is blocked before the next acquire);
        a success is queued (it only resets the key's failure streak)."""
        if key is None:
            return
        await self.keys.report(
            KeyReport(
                key.api_key_id,
                outcome,
                retry_after_seconds=math.ceil(retry_after) if retry_after is not None else None,
                error=error if outcome != "success" else None,
            )
        )

    async def _complete(self, response: LLMResponse, model: str) -> Outcome:
        u = response.usage
        usage = {
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "cached_tokens": u.cached_tokens,
            "thoughts_tokens": u.thoughts_tokens,
            "total_tokens": u.total_tokens,
            "calls": self.calls,
        }
        provenance = {
            "provider": self.provider_name,
            "model": response.model or model,
            "api_key_id": str(self._last_key_id) if self._last_key_id else None,
            "response_id": response.response_id,
        }
        try:
            status = await self.writer.complete(
                Completion(
                    self.task.task_id, self.task.claim_token, response.output, usage, provenance
                )
            )
        except StaleClaimError as exc:
            self._log(logging.WARNING, "stale_claim", action="complete", error=str(exc))
            return Outcome.STALE
        self._log(logging.DEBUG, "task_completed", status=status, model=provenance["model"])
        return Outcome.FAILED if status == "failed" else Outcome.COMPLETED

    async def _fail(self, error: str, kind: FailureKind, provider: str | None = None) -> Outcome:
        """report_task_failure: the database decides what the kind means for the task."""
        try:
            async with self.pool.connection() as conn:
                status = await rpc.report_task_failure(
                    conn, self.task.task_id, self.task.claim_token, kind, error, provider
                )
        except StaleClaimError as exc:
            self._log(logging.WARNING, "stale_claim", action="fail", error=str(exc))
            return Outcome.STALE
        if kind == FailureKind.NO_USABLE_KEY:
            self._log(logging.INFO, "task_released", status=status, kind=kind, error=error)
            return Outcome.RELEASED
        self._log(logging.WARNING, "task_failed", status=status, kind=kind, error=error)
        return Outcome.RETRYING if status == "plan" else Outcome.FAILED

    async def _release_until_a_key_is_free(self) -> Outcome:
        """The database puts the task back until one of the owner's keys is usable."""
        reason = f"every {self.provider_name} key is blocked"
        if self.calls >= self.settings.max_calls_per_claim:
            reason = f"{self.calls} calls, each rate-limited or on an invalid key"
        return await self._fail(reason, FailureKind.NO_USABLE_KEY, self.provider_name)


async def release(
    pool: AsyncConnectionPool, task: ClaimedTask, delay_seconds: int, reason: str
) -> Outcome:
    """Hands the task back to plan without spending a retry."""
    try:
        async with pool.connection() as conn:
            status = await rpc.release_task(
                conn, task.task_id, task.claim_token, delay_seconds, reason
            )
    except StaleClaimError as exc:
        log_event(
            log,
            logging.WARNING,
            "stale_claim",
            task_id=task.task_id,
            action="release",
            error=str(exc),
        )
        return Outcome.STALE
    log_event(
        log,
        logging.INFO,
        "task_released",
        task_id=task.task_id,
        status=status,
        delay_seconds=delay_seconds,
        reason=reason,
    )
    return Outcome.RELEASED


async def execute_task(
    pool: AsyncConnectionPool,
    providers: Mapping[str, Provider],
    task: ClaimedTask,
    settings: ExecutorSettings,
    writer: ResultWriter,
    keys: KeyBroker,
    slots: CallSlots,
) -> Outcome:
    return await TaskExecution(pool, providers, task, settings, writer, keys, slots).run()
