"""Checks an LLM's output against its stage's `output_schema` (JSON Schema, via jsonschema).

The error names the failing path, e.g. `$.questions[2]: 'text' is a required property`,
so a retried task's error message says what the model got wrong.

The schema is a pipeline author's and the output a model's: neither is trusted.
- Nothing is ever retrieved: a `$ref` resolves within the schema (and the JSON Schema
  meta-schemas) or the schema is invalid. jsonschema would otherwise fetch a URL with
  urllib, with no time limit, from the worker's network.
- `pattern` and `patternProperties` (and so `additionalProperties` next to them) match
  with RE2, in time linear in the string: no backtracking. A pattern RE2 cannot compile
  (look-arounds, backreferences, `\\Z`) makes the schema invalid, as do
  `unevaluatedProperties` and `patternProperties` in one schema (jsonschema would match
  those patterns with Python's backtracking `re`).
- `check_output` checks in a thread (orchable.cpu), off the event loop, with a time limit
  and a cap on the output's size. The limit is a backstop that frees the task and the
  loop, not the thread (see orchable.cpu). With RE2 most keywords cost time linear in the
  output, but not all: `uniqueItems` compares the items of an array pair by pair, and
  `$ref`s let a small schema check one value along exponentially many paths (an `anyOf`
  of two references to an `anyOf` of two references...). An output whose check overruns
  fails its task for good, but the check holds one of orchable.cpu's threads until it
  ends; with every one of them held, the other checks wait (holding their call slots)
  until the worker restarts. Only checking in a process that can be killed would end that.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
import re2
import referencing
import referencing.exceptions
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator

from orchable.db import json_codec
from orchable.worker import cpu


class InvalidSchemaError(ValueError):
    """The stage's output_schema is not a valid JSON Schema (a pipeline bug, not the model's)."""


class UncheckableOutputError(Exception):
    """The output could not be checked within the worker's limits (time or size): no retry
    can change that, so the task fails for good (report_task_failure, output_uncheckable)."""


def _describe(error: ValidationError) -> str:
    return f"{error.json_path}: {error.message}"


# --- patterns on RE2 -----------------------------------------------------------------------

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is the schema's error, not a log line


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    """Raises re2.error for a pattern RE2 cannot run."""
    return re2.compile(pattern, _RE2_OPTIONS)


def _regex(pattern: str) -> Any:
    try:
        return _compile(pattern)
    except re2.error as error:
        raise InvalidSchemaError(
            f"output_schema is invalid: pattern {pattern!r} is not a regular expression"
            f" RE2 can run ({_reason(error)})"
        ) from error


def _reason(error: BaseException) -> str:
    reason = error.args[0] if error.args else error
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Validator, patterns: dict[str, Any], instance: Any, schema: Any
) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        regex = _regex(pattern)
        for name, value in instance.items():
            if regex.search(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Validator, additional: Any, instance: Any, schema: Any
) -> Any:
    """jsonschema's additionalProperties, with patternProperties' patterns on RE2."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = [_regex(p) for p in schema.get("patternProperties", {})]
    extras = [
        name
        for name in instance
        if name not in properties and not any(p.search(name) for p in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(extra) for extra in sorted(extras, key=str))
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            regexes = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{listed} {verb} not match any of the regexes: {regexes}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({listed} {verb} unexpected)"
            )


@functools.cache
def _safe(base: type[Validator]) -> type[Validator]:
    """The draft's validator class with its regex keywords on RE2."""
    safe: type[Validator] = jsonschema.validators.extend(
        base,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )
    return safe


def _is_re2_pattern(instance: object) -> bool:
    if isinstance(instance, str):
        _compile(instance)
    return True


@functools.cache
def _schema_format_checker(base: type[Validator]) -> jsonschema.FormatChecker:
    """The meta-schema's format checker, with `regex` (the format of every `pattern` and
    `patternProperties` key) meaning a pattern RE2 can run."""
    meta = jsonschema.validators.validator_for(base.META_SCHEMA, default=base)
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = {**meta.FORMAT_CHECKER.checkers, "regex": (_is_re2_pattern, re2.error)}
    return checker


# --- references resolve within the schema --------------------------------------------------


def _refuse_retrieval(uri: str) -> referencing.Resource:
    raise LookupError(f"{uri} is not retrieved: references resolve within the schema only")


# `retrieve` is an attrs alias, which mypy does not read.
_NOTHING_RETRIEVED: referencing.Registry[Any] = referencing.Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


# --- the validator -------------------------------------------------------------------------


def _keywords(schema: Any) -> set[str]:
    """Every key of every object in the schema (iteratively: a schema may be deep)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Validator:
    """A validator per distinct schema: checking a schema costs more than using it."""
    schema = json.loads(schema_json)
    base = jsonschema.validators.validator_for(schema)
    try:
        base.check_schema(schema, format_checker=_schema_format_checker(base))
    except SchemaError as error:
        cause = f" ({_reason(error.cause)})" if error.cause is not None else ""
        raise InvalidSchemaError(f"output_schema is invalid: {_describe(error)}{cause}") from error
    if {"unevaluatedProperties", "patternProperties"} <= _keywords(schema):
        raise InvalidSchemaError(
            "output_schema is invalid: unevaluatedProperties and patternProperties in one"
            " schema are not supported (their patterns would not run on RE2)"
        )
    return _safe(base)(schema, registry=_NOTHING_RETRIEVED)


def output_error(output: Any, schema: dict[str, Any] | None) -> str | None:
    """None when the output matches the schema (or there is none); else the first
    error as `<json path>: <message>`. Synchronous: the worker calls `check_output`.
    Raises InvalidSchemaError for a schema that is itself invalid."""
    if not schema:
        return None
    validator = _validator(json.dumps(schema, sort_keys=True))
    try:
        first = next(iter(validator.iter_errors(output)), None)
    except referencing.exceptions.Unresolvable as error:
        raise InvalidSchemaError(
            f"output_schema is invalid: $ref {error.ref!r} does not resolve within the schema"
            " (nothing outside it is retrieved)"
        ) from error
    if first is None:
        return None
    # The first error in document order; best_match looks inside anyOf/oneOf for the cause.
    return _describe(jsonschema.exceptions.best_match([first]) or first)


def _bounded_output_error(output: Any, schema: dict[str, Any], max_bytes: int) -> str | None:
    size = len(json_codec.dumps(output).encode())
    if size > max_bytes:
        raise UncheckableOutputError(
            f"output is too large to check against output_schema: {size} bytes encoded,"
            f" at most {max_bytes}"
        )
    return output_error(output, schema)


async def check_output(
    output: Any, schema: dict[str, Any] | None, *, timeout_seconds: float, max_bytes: int
) -> str | None:
    """output_error, off the event loop. Raises UncheckableOutputError for an output over
    `max_bytes` encoded, or whose check has not ended `timeout_seconds` after it began, or
    too deep to check; InvalidSchemaError for a schema that is itself invalid."""
    if not schema:
        return None
    try:
        return await cpu.run(
            _bounded_output_error, output, schema, max_bytes, timeout=timeout_seconds
        )
    except TimeoutError:
        raise UncheckableOutputError(
            f"output could not be checked against output_schema within {timeout_seconds:g} s"
        ) from None
    except RecursionError:
        raise UncheckableOutputError(
            "output (or output_schema) is nested too deeply to check"
        ) from None
