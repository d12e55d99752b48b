"""The providers a worker offers, by name, with base URLs from its settings."""

from __future__ import annotations

from collections.abc import Mapping

from orchable.providers.base import Provider
from orchable.providers.gemini import GeminiProvider
from orchable.providers.offline import OfflineProvider
from orchable.providers.openai import OpenAIProvider


def build_providers(settings: Mapping[str, str | None]) -> dict[str, Provider]:
    """Every provider; base URLs from ORCHABLE_GEMINI_BASE_URL (or GOOGLE_GEMINI_BASE_URL)
    and ORCHABLE_OPENAI_BASE_URL."""
    gemini_url = settings.get("ORCHABLE_GEMINI_BASE_URL") or settings.get("GOOGLE_GEMINI_BASE_URL")
    openai_url = settings.get("ORCHABLE_OPENAI_BASE_URL")
    providers: list[Provider] = [
        GeminiProvider(base_url=gemini_url or None),
        OpenAIProvider(base_url=openai_url) if openai_url else OpenAIProvider(),
        OfflineProvider(),
    ]
    return {provider.name: provider for provider in providers}


def get_provider(providers: Mapping[str, Provider], name: str) -> Provider:
    """The provider `ai_settings.provider` names; a KeyError listing the known ones if none."""
    try:
        return providers[name]
    except KeyError:
        known = ", ".join(sorted(providers)) or "none"
        raise KeyError(f"unknown provider {name!r} (known: {known})") from None
