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

A task's stage has a kind (ClaimedTask.stage_kind). `generate` is the one call above. A
`grounded_search` task searches the web first (the provider's Google Search grounding),
in one of two shapes, each call made, checked and recorded as any other:
- single pass, on a model that can combine the search tool with a response schema (its
  name starts with one of ExecutorSettings.single_pass_search_models): one grounded call
  with output_schema;
- two pass, on any other model, on a stage without output_schema, and when a single pass
  is refused with the 400 of a model that cannot combine them
  (providers.errors.refuses_schema_with_search; that model and the next then run two
  pass): a grounded call that answers in prose naming its sources, then an ungrounded
  call with output_schema that judges from that answer.
The search's grounding goes into the completion's provenance (`grounding`, see
grounding_provenance): `grounded` is false when the answer came without grounding
metadata or without a source, never passed off as grounded. A provider that cannot search
(openai), or a stage kind this worker does not know, fails the task as invalid_request
before any call.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from orchable.worker.grounding import (
    GROUNDED_SEARCH,
    STAGE_KINDS,
    grounding_provenance,
    search_prompt,
    verdict_prompt,
)
from orchable.worker.keys import KeyBroker
from orchable.worker.providers.base import (
    ErrorKind,
    LLMRequest,
    LLMResponse,
    Provider,
    ProviderError,
    can_search,
)
from orchable.worker.providers.errors import refuses_schema_with_search
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


@dataclass(frozen=True)
class _Step:
    """One call of a task: its prompt, whether it searches the web, and whether it is sent
    with the task's output_schema (and its output checked against it)."""

    prompt: str
    grounded: bool = False
    with_schema: bool = True


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


def build_request(
    task: ClaimedTask,
    model: str,
    settings: ExecutorSettings,
    *,
    prompt: str | None = None,
    grounded_search: bool = False,
    with_schema: bool = True,
) -> LLMRequest:
    """The request of one call of the task: its prompt unless `prompt` is given, its
    output_schema unless `with_schema` is False."""
    s = task.ai_settings
    timeout = s.get("timeout_seconds")
    return LLMRequest(
        prompt=task.prompt if prompt is None else prompt,
        model=model,
        output_schema=task.output_schema if with_schema else None,
        grounded_search=grounded_search,
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
        self._single_pass_refused = False  # a model refused a schema with the search tool

    def _log(self, level: int, event: str, **fields: Any) -> None:
        log_event(log, level, event, task_id=self.task.task_id, **fields)

    async def run(self) -> Outcome:
        if self.task.unreadable is not None:
            return await self._fail(self.task.unreadable, FailureKind.UNREADABLE_TASK)
        kind = self.task.stage_kind
        if kind not in STAGE_KINDS:
            return await self._fail(
                f"unknown stage kind {kind!r} (this worker runs: {', '.join(STAGE_KINDS)})",
                FailureKind.INVALID_REQUEST,
            )
        provider = self.providers.get(self.provider_name)
        if provider is None:
            known = ", ".join(sorted(self.providers)) or "none"
            return await self._fail(
                f"unknown provider {self.provider_name!r} (this worker has: {known})",
                FailureKind.UNKNOWN_PROVIDER,
            )
        if kind == GROUNDED_SEARCH and not can_search(provider):
            return await self._fail(
                f"the {provider.name} provider cannot run a {kind} stage: it has no web"
                " search (use gemini)",
                FailureKind.INVALID_REQUEST,
            )
        chain = _model_chain(self.task.ai_settings, self.provider_name, self.settings)
        try:
            if provider.needs_key:
                # Taken while the task waits for a slot: the call starts as soon as it has one.
                self._key_ahead.append(await self.keys.acquire(self.task, provider.name, chain[0]))
            grounding: dict[str, Any] | None = None
            async with self.slots.slot():
                if kind == GROUNDED_SEARCH:
                    answers, model, grounding = await self._search_and_judge(provider, chain)
                else:
                    step = _Step(self.task.prompt)
                    response, model, _ = await self._call_models(provider, chain, lambda _: step)
                    answers = [response]
            return await self._complete(answers, model, grounding)
        except _Finish as finish:
            return await self._fail(finish.error, finish.kind)
        except _Wait:
            return await self._release_until_a_key_is_free()
        except WorkerStopping:
            return await release(self.pool, self.task, 0, "worker stopping")

    async def _search_and_judge(
        self, provider: Provider, chain: list[str]
    ) -> tuple[list[LLMResponse], str, dict[str, Any]]:
        """A grounded_search task's answers (the search's, then the verdict's if it took
        two calls), the model of the last, and provenance.grounding. Raises as
        _call_models."""
        search, model, step = await self._call_models(provider, chain, self._search_step)
        if step.with_schema:  # searched and judged in one call
            return [search], model, grounding_provenance(search.grounding, "single_pass")
        judge = _Step(verdict_prompt(self.task.prompt, search))
        rest = chain[chain.index(model) :]  # models before it were overloaded or blocked
        verdict, model, _ = await self._call_models(provider, rest, lambda _: judge)
        return [search, verdict], model, grounding_provenance(search.grounding, "two_pass")

    def _search_step(self, model: str) -> _Step:
        """The first call of a grounded_search task on this model: search and answer in
        output_schema at once where the model can, else search and answer in prose."""
        single_pass = (
            self.task.output_schema is not None
            and not self._single_pass_refused
            and model.startswith(tuple(self.settings.single_pass_search_models))
        )
        if single_pass:
            return _Step(self.task.prompt, grounded=True)
        return _Step(search_prompt(self.task.prompt), grounded=True, with_schema=False)

    async def _call_models(
        self, provider: Provider, chain: list[str], step_for: Callable[[str], _Step]
    ) -> tuple[LLMResponse, str, _Step]:
        """The answer, the model that gave it and the step it answered, trying the models
        in turn (`step_for(model)`: what to ask it). Raises _Finish or _Wait (until a key
        is free)."""
        overloaded: ProviderError | None = None
        keys_blocked = False
        for model in chain:
            answer = await self._call_model(provider, model, step_for)
            if isinstance(answer, tuple):
                return answer[0], model, answer[1]
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
        self, provider: Provider, model: str, step_for: Callable[[str], _Step]
    ) -> tuple[LLMResponse, _Step] | ProviderError | None:
        """The response and its step; the overloaded error, to try the next model; None
        when the model was rate-limited on every key, to try the next model with the keys
        it blocked. Raises _Finish or _Wait (no usable key to begin with)."""
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
            step = step_for(model)
            response, error = await self._call(provider, model, key, step, borrowed)
            if error is None:
                assert response is not None
                return response, step
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
            if step.grounded and step.with_schema and refuses_schema_with_search(error):
                # The model cannot search and answer in a schema at once: in two calls.
                self._single_pass_refused = True
                self._log(logging.INFO, "single_pass_refused", model=model, error=str(error))
                continue
            raise _Finish(str(error), _FAILURE_OF_CALL[error.kind])

    async def _take_key(self, provider: Provider, model: str) -> ApiKey | None:
        """The key taken before the slot, for the first call; a new one for the others."""
        if self._key_ahead:
            return self._key_ahead.pop()
        return await self.keys.acquire(self.task, provider.name, model)

    async def _call(
        self,
        provider: Provider,
        model: str,
        key: ApiKey | None,
        step: _Step,
        borrowed: bool = False,
    ) -> tuple[LLMResponse | None, ProviderError | None]:
        """One call: made, checked (when sent with output_schema), recorded and reported.
        Returns the response or the error. A `borrowed` key (rate-limited on another model)
        reports no success: that would lift the cooldown the other model's Retry-After set."""
        self.calls += 1
        request = build_request(
            self.task,
            model,
            self.settings,
            prompt=step.prompt,
            grounded_search=step.grounded,
            with_schema=step.with_schema,
        )
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
        if response is not None and step.with_schema:
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

    async def _complete(
        self,
        answers: list[LLMResponse],
        model: str,
        grounding: dict[str, Any] | None = None,
    ) -> Outcome:
        """complete_task with the last answer's output; the usage of every answer used (a
        two-pass search's too) and, for a grounded_search task, provenance.grounding."""
        response = answers[-1]
        usage = {
            "input_tokens": sum(a.usage.input_tokens for a in answers),
            "output_tokens": sum(a.usage.output_tokens for a in answers),
            "cached_tokens": sum(a.usage.cached_tokens for a in answers),
            "thoughts_tokens": sum(a.usage.thoughts_tokens for a in answers),
            "total_tokens": sum(a.usage.total_tokens for a in answers),
            "calls": self.calls,
        }
        provenance: dict[str, Any] = {
            "provider": self.provider_name,
            "model": response.model or model,
            "api_key_id": str(self._last_key_id) if self._last_key_id else None,
            "response_id": response.response_id,
        }
        if grounding is not None:
            provenance["grounding"] = grounding
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
