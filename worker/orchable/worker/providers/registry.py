"""The providers a worker offers, by name, with base URLs from its settings
(orchable.settings.ProviderSettings).

Each provider is created on first use, so a worker that only ever calls one provider
never imports the others' SDKs (google-genai alone takes about a second to import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from orchable.settings import ProviderSettings
from orchable.worker.providers.base import Provider


class Providers(Mapping[str, Provider]):
    """A read-only mapping of provider name to provider, each built on first lookup."""

    def __init__(self, factories: Mapping[str, Callable[[], Provider]]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, Provider] = {}

    def __getitem__(self, name: str) -> Provider:
        if name not in self._built:
            self._built[name] = self._factories[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def preload(self, *names: str) -> None:
        """Builds these providers now (importing their SDKs); unknown names are ignored."""
        for name in names:
            if name in self._factories and name not in self._built:
                self._built[name] = self._factories[name]()

    async def aclose(self) -> None:
        """Closes the providers that were built (the others hold nothing)."""
        for provider in self._built.values():
            await provider.aclose()


def build_providers(settings: ProviderSettings) -> Providers:
    """gemini and openai, at their base URLs when the settings name them; and `offline`
    only when asked for: a stage naming it on a worker without it fails as any unknown
    provider's."""
    gemini_url = settings.gemini_base_url
    openai_url = settings.openai_base_url
    offline_latency = settings.offline_latency_seconds

    def gemini() -> Provider:
        from orchable.worker.providers.gemini import GeminiProvider

        return GeminiProvider(base_url=gemini_url or None)

    def openai() -> Provider:
        from orchable.worker.providers.openai import OpenAIProvider

        return OpenAIProvider(base_url=openai_url) if openai_url else OpenAIProvider()

    def offline_provider() -> Provider:
        from orchable.worker.providers.offline import OfflineProvider

        return OfflineProvider(latency_seconds=offline_latency)

    factories: dict[str, Callable[[], Provider]] = {"gemini": gemini, "openai": openai}
    if settings.offline:
        factories["offline"] = offline_provider
    return Providers(factories)
