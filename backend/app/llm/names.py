"""The provider names an agent may use; the registry maps each to its implementation."""

from enum import StrEnum


class ProviderName(StrEnum):
    anthropic = "anthropic"
    openai = "openai"
    openai_compatible = "openai_compatible"
    google = "google"
