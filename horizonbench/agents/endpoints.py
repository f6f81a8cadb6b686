"""Model endpoints: models.toml, pricing, and the API key (read from the environment,
never written anywhere)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from horizonbench.errors import ConfigError
from horizonbench.validation import load_model, read_toml


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(0.0, ge=0, description="Prompt tokens not served from cache.")
    cached_input: float | None = Field(None, ge=0, description="Prompt tokens served from cache (default: input).")
    output: float = Field(0.0, ge=0, description="Completion tokens, reasoning included.")


class Usage(BaseModel):
    """Tokens of one or more model calls."""

    input_tokens: int = Field(0, description="Prompt tokens, cached ones included.")
    cached_input_tokens: int = Field(0, description="Prompt tokens served from cache.")
    output_tokens: int = Field(0, description="Completion tokens.")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


class ModelSpec(BaseModel):
    """One entry of models.toml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name used with --model.")
    provider: Literal["openai", "anthropic"] = Field(
        description="Wire protocol: openai chat completions or anthropic messages."
    )
    base_url: str = Field(description="Endpoint base URL.")
    api_key_env: str = Field("", description="Environment variable holding the API key.")
    model: str = Field("", description="Model id sent to the endpoint (default: name).")
    context_window: int = Field(128000, ge=1024, description="Tokens the model accepts.")
    price: Price = Field(default_factory=Price, description="List price per million tokens.")
    params: dict[str, Any] = Field(default_factory=dict, description="Extra request parameters (temperature, ...).")
    max_output_tokens: int = Field(8192, ge=1, description="max_tokens of each request.")

    @property
    def model_id(self) -> str:
        return self.model or self.name

    def cost(self, usage: Usage) -> float:
        p = self.price
        cached = p.cached_input if p.cached_input is not None else p.input
        fresh = max(usage.input_tokens - usage.cached_input_tokens, 0)
        return (fresh * p.input + usage.cached_input_tokens * cached + usage.output_tokens * p.output) / 1e6

    def api_key(self) -> str:
        """The key from ``api_key_env``.

        Raises:
            ConfigError: the variable is named but unset.
        """
        if not self.api_key_env:
            return "unused"
        key = os.environ.get(self.api_key_env, "")
        if not key:
            raise ConfigError(f"model {self.name}: environment variable {self.api_key_env} is not set (its API key)")
        return key


class ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = "1"
    prices_as_of: str = Field("", description="Date the prices were taken.")
    model: list[ModelSpec] = Field(default_factory=list, description="The models.")


def builtin_models() -> dict[str, ModelSpec]:
    path = Path(str(resources.files("horizonbench.agents") / "data" / "models.toml"))
    return {m.name: m for m in load_model(path, ModelsFile, ConfigError).model}


def load_models(path: Path | None = None) -> dict[str, ModelSpec]:
    """Built-in entries, overridden and extended by ``path``."""
    models = builtin_models()
    if path is not None:
        data = read_toml(path, ConfigError)
        models.update({m.name: m for m in load_model(path, ModelsFile, ConfigError, data=data).model})
    return models


def resolve(
    name: str,
    *,
    models_file: Path | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    provider: str | None = None,
) -> ModelSpec:
    """The spec for ``--model NAME`` with CLI overrides. An unknown name with a
    ``--base-url`` is taken as a model id on that OpenAI-compatible endpoint.

    Raises:
        ConfigError: unknown model and no base URL to reach it.
    """
    models = load_models(models_file)
    spec = models.get(name)
    if spec is None:
        if base_url is None:
            raise ConfigError(
                f"unknown model {name!r}: add it to a models.toml (--models) or give --base-url; "
                f"known: {', '.join(sorted(models))}"
            )
        spec = ModelSpec(name=name, provider="openai", base_url=base_url, model=name)
    update: dict[str, Any] = {}
    if base_url:
        update["base_url"] = base_url
    if api_key_env is not None:
        update["api_key_env"] = api_key_env
    if provider:
        update["provider"] = provider
    return spec.model_copy(update=update) if update else spec
