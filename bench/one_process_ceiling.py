"""The most ONE Python process gets from the fake Gemini server at a given concurrency,
with no database and no orchable: what bench/llm_bound.py's worker is measured against.

  --client sdk      google-genai through orchable's GeminiProvider, the worker's own client
                    code (one session, one SDK client per key, the same request), 4 keys;
  --client aiohttp  the same request as raw JSON over one aiohttp session, the answer's
                    text parsed as JSON: the least any Python client does per call.

`concurrency` coroutines each send the next request as soon as their last one is
answered, until `requests` are done; the process takes the worker's event loop (uvloop)
and garbage-collector settings. Prints one JSON object: requests, seconds (first send to
last answer), per_s, failed.

Usage: python bench/one_process_ceiling.py --url URL --client sdk|aiohttp
         --concurrency C --requests N [--keys 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import aiohttp
from llm_bound import MODEL, OUTPUT_SCHEMA
from orchable.worker.providers.base import LLMRequest
from orchable.worker.providers.gemini import GeminiProvider
from orchable.worker.run import event_loop_factory, settle_garbage_collector

Call = Callable[[int], Awaitable[None]]


async def drive(call: Call, concurrency: int, requests: int) -> dict[str, float]:
    next_request = 0
    failed = 0

    async def loop() -> None:
        nonlocal next_request, failed
        while next_request < requests:
            n = next_request
            next_request += 1
            try:
                await call(n)
            except Exception:  # counted: a ceiling with failures is no ceiling
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return {"requests": requests, "seconds": seconds, "per_s": requests / seconds, "failed": failed}


async def with_sdk(url: str, concurrency: int, requests: int, keys: int) -> dict[str, float]:
    provider = GeminiProvider(base_url=url)
    settle_garbage_collector()  # as the worker does, once its provider is built

    async def call(n: int) -> None:
        prompt = f"Answer question {n} in one word."
        request = LLMRequest(prompt=prompt, model=MODEL, output_schema=OUTPUT_SCHEMA)
        await provider.generate(request, f"ceiling-key-{n % keys}")

    try:
        return await drive(call, concurrency, requests)
    finally:
        await provider.aclose()


async def with_aiohttp(url: str, concurrency: int, requests: int, keys: int) -> dict[str, float]:
    endpoint = f"{url}/v1beta/models/{MODEL}:generateContent"
    connector = aiohttp.TCPConnector(limit=512, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        settle_garbage_collector()

        async def call(n: int) -> None:
            body = {
                "contents": [
                    {"role": "user", "parts": [{"text": f"Answer question {n} in one word."}]}
                ],
                "generationConfig": {
                    "responseMimeType": "application/json",
                    "responseJsonSchema": OUTPUT_SCHEMA,
                },
            }
            headers = {"x-goog-api-key": f"ceiling-key-{n % keys}"}
            async with session.post(endpoint, json=body, headers=headers) as response:
                response.raise_for_status()
                answer = await response.json()
            json.loads(answer["candidates"][0]["content"]["parts"][0]["text"])

        return await drive(call, concurrency, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the fake Gemini server's base URL")
    parser.add_argument("--client", choices=("sdk", "aiohttp"), required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--keys", type=int, default=4)
    args = parser.parse_args()
    run = with_sdk if args.client == "sdk" else with_aiohttp
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        result = runner.run(run(args.url, args.concurrency, args.requests, args.keys))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
