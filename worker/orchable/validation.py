"""Checks an LLM's output against its stage's `output_schema` (JSON Schema, via jsonschema).

The error names the failing path, e.g. `$.questions[2]: 'text' is a required property`,
so a retried task's error message says what the model got wrong.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError, ValidationError


class InvalidSchemaError(ValueError):
    """The stage's output_schema is not a valid JSON Schema (a pipeline bug, not the model's)."""


def _describe(error: ValidationError) -> str:
    return f"{error.json_path}: {error.message}"


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    """A validator per distinct schema: checking a schema costs more than using it."""
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except SchemaError as error:
        raise InvalidSchemaError(f"output_schema is invalid: {_describe(error)}") from error
    return validator_class(schema)


def output_error(output: Any, schema: dict[str, Any] | None) -> str | None:
    """None when the output matches the schema (or there is none); else the first
    error as `<json path>: <message>`.
    Raises InvalidSchemaError for a schema that is itself invalid."""
    if not schema:
        return None
    validator = _validator(json.dumps(schema, sort_keys=True))
    first = next(iter(validator.iter_errors(output)), None)
    if first is None:
        return None
    # The first error in document order; best_match looks inside anyOf/oneOf for the cause.
    return _describe(jsonschema.exceptions.best_match([first]) or first)
