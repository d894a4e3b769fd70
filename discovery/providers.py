"""The provider vocabulary (DESIGN §5), kept as data. Unknown ids are allowed but flagged."""

from __future__ import annotations

from importlib import resources

from pydantic import BaseModel, ConfigDict
from discovery.yamlload import safe_load_packaged


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    vendor: str


class ProviderVocabulary:
    def __init__(self, providers: list[Provider]) -> None:
        self._by_id = {p.id: p for p in providers}

    @classmethod
    def load(cls) -> "ProviderVocabulary":
        text = resources.files("discovery.catalogues").joinpath("providers.yaml").read_text("utf-8")
        data = safe_load_packaged(text)
        return cls([Provider(**row) for row in data["providers"]])

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def name(self, provider_id: str) -> str:
        provider = self._by_id.get(provider_id)
        return provider.name if provider else provider_id

    def get(self, provider_id: str) -> Provider | None:
        return self._by_id.get(provider_id)


def vocabulary() -> ProviderVocabulary:
    """The packaged vocabulary; pass your own ProviderVocabulary where tests need another."""
    return ProviderVocabulary.load()
