import email.utils
import time

import pytest
from orchable.worker.providers.errors import retry_after_from_headers, retry_delay_seconds


def test_retry_after_accepts_seconds_milliseconds_and_http_dates() -> None:
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)

    assert retry_after_from_headers({"Retry-After": "7"}) == 7.0
    assert retry_after_from_headers({"retry-after-ms": "1500", "Retry-After": "2"}) == 1.5
    assert retry_after_from_headers({"Retry-After": in_a_minute}) == pytest.approx(60, abs=2)
    assert retry_after_from_headers({"Retry-After": "soon"}) is None
    assert retry_after_from_headers({}) is None
    assert retry_delay_seconds("12s") == 12.0
    assert retry_delay_seconds("0.5s") == 0.5
    assert retry_delay_seconds({"seconds": 3, "nanos": 500000000}) == 3.5
