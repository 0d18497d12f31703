"""A backend for Anthropic's Messages API through the official `anthropic` SDK.

anthropic 2.x sends API version 2026-10-21, which rejects `temperature` (even its default) with a
400, so the request's temperature is not sent. A schema is asked for in the system prompt.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from macrohard.errors import ModelUnavailable
from macrohard.models.base import BaseModel, Completion, Request, Usage
from macrohard.models.openai_compat import (
    raise_mapped,
    resolve_api_key,
    schema_instruction,
)

if TYPE_CHECKING:
    import anthropic
    from anthropic.types import MessageParam

KEY_ENVS = ("MACROHARD_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


class AnthropicModel(BaseModel):
    """Claude through the Messages API; system messages go into the `system` parameter."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        try:
            import anthropic
        except ImportError as exc:
            raise ModelUnavailable(
                "the anthropic backend needs the anthropic extra: "
                "pip install 'macrohard[anthropic]'"
            ) from exc
        base_url = base_url or os.environ.get(BASE_URL_ENV) or None
        self.model = model
        self.name = f"anthropic:{model}" if base_url is None else f"anthropic:{model}@{base_url}"
        self._key = resolve_api_key(self.name, api_key, KEY_ENVS, base_url)
        self._sdk: ModuleType = anthropic
        self._client: anthropic.Anthropic = anthropic.Anthropic(
            api_key=self._key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def _call(self, request: Request) -> Completion:
        system = [m["content"] for m in request.messages if m["role"] == "system"]
        if request.schema is not None:
            system.append(schema_instruction(request.schema))
        extra: dict[str, Any] = {}
        if system:
            extra["system"] = "\n\n".join(system)
        if request.stop:
            extra["stop_sequences"] = list(request.stop)
        messages = [m for m in request.messages if m["role"] != "system"]
        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=request.max_tokens,
                messages=cast("list[MessageParam]", messages),
                **extra,
            )
        except self._sdk.AnthropicError as exc:
            raise_mapped(
                self._sdk,
                exc,
                name=self.name,
                base_url=str(self._client.base_url),
                key=self._key,
                key_envs=KEY_ENVS,
            )
        text = "".join(block.text for block in response.content if block.type == "text")
        usage = Usage(response.usage.input_tokens, response.usage.output_tokens, 0.0, 1)
        return Completion(text, usage, self.name, response.stop_reason)
