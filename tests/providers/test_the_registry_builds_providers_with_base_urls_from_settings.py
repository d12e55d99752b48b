import pytest

pytest.importorskip("orchable.worker.providers.offline")

from orchable.settings import ProviderSettings
from orchable.worker.providers.gemini import GeminiProvider
from orchable.worker.providers.openai import OpenAIProvider
from orchable.worker.providers.registry import build_providers

pytestmark = pytest.mark.asyncio


async def test_the_registry_builds_providers_with_base_urls_from_settings() -> None:
    providers = build_providers(
        ProviderSettings.from_env(
            {
                "GOOGLE_GEMINI_BASE_URL": "http://fallback.test",
                "ORCHABLE_OPENAI_BASE_URL": "http://127.0.0.1:11434/v1/",
            }
        )
    )
    try:
        gemini, openai = providers["gemini"], providers["openai"]
        assert "offline" not in providers  # offered only when asked for
        assert isinstance(gemini, GeminiProvider) and gemini.base_url == "http://fallback.test"
        assert isinstance(openai, OpenAIProvider)
        assert openai.base_url == "http://127.0.0.1:11434/v1"
        assert providers["gemini"] is gemini, "each provider is built once"
    finally:
        await providers.aclose()
