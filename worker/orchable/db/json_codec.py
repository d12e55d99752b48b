"""JSON between the worker and jsonb: orjson, with the standard library for what it refuses.

A busy worker decodes every claimed row's input, settings and schema, and encodes every
batch of results and call records: with the standard library that was about a seventh of
its CPU per no-op task (py-spy), and orjson does it in a fraction. Where orjson would
change a value, `json` reads or writes it as before: orjson reads an integer beyond 64
bits (which jsonb holds and a model may answer) as a float, refuses to write one, and
refuses dict keys that are not strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.types.json import set_json_loads

# 19 digits in a row, anywhere: perhaps an integer orjson would read as a float.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def loads(data: str | bytes) -> Any:
    """What psycopg decodes json and jsonb with (it hands over bytes)."""
    if isinstance(data, str):
        data = data.encode()
    if _LONG_DIGITS.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def use_on(conn: AsyncConnection) -> None:
    """Decode json and jsonb results on this connection with `loads`."""
    set_json_loads(loads, conn)
