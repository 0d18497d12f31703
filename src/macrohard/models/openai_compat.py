"""A backend for any OpenAI-compatible chat endpoint: OpenAI, xAI, vLLM, Ollama, llama.cpp server.

The SDK's own retries are off (`max_retries=0`); wrap the model in `Retrying` for those. SDK
exceptions are mapped to `macrohard.errors` here, and the API key never enters a message.
The helpers below are shared with the Anthropic backend, whose SDK names its errors the same way.
"""

from __future__ import annotations

import json
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlsplit

from macrohard.errors import ModelError, ModelUnavailable, TransientModelError
from macrohard.models.base import (
    BaseModel,
    Completion,
    JsonSchema,
    Message,
    Request,
    Usage,
    approx_tokens,
)

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

KEY_ENVS = ("MACROHARD_OPENAI_API_KEY", "OPENAI_API_KEY")
BASE_URL_ENV = "OPENAI_BASE_URL"
#: sent to local servers that need no key (the SDK refuses an empty one)
LOCAL_PLACEHOLDER_KEY = "not-needed"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - a name to compare


def is_local(base_url: str | None) -> bool:
    """Whether `base_url` points at this machine (where servers usually need no key)."""
    return base_url is not None and urlsplit(base_url).hostname in _LOCAL_HOSTS


def resolve_api_key(
    name: str, api_key: str | None, envs: tuple[str, ...], base_url: str | None
) -> str:
    """The key from the argument, else the first set env var, else a placeholder for local URLs."""
    key = api_key or next((os.environ[env] for env in envs if os.environ.get(env)), None)
    if key:
        return key
    if is_local(base_url):
        return LOCAL_PLACEHOLDER_KEY
    raise ModelUnavailable(f"{name}: no API key found; set {' or '.join(envs)}")


def schema_instruction(schema: JsonSchema) -> str:
    """A prompt asking for bare JSON matching `schema`, for backends that cannot enforce it."""
    return (
        "Answer with only a JSON value that matches this JSON schema, with no prose and no "
        f"code fences:\n{json.dumps(schema, indent=1)}"
    )


def raise_mapped(
    sdk: ModuleType,
    exc: Exception,
    *,
    name: str,
    base_url: str,
    key: str,
    key_envs: tuple[str, ...],
) -> NoReturn:
    """Re-raise an SDK exception as the matching Macrohard error, never showing `key`."""
    error: ModelError
    if isinstance(exc, sdk.APITimeoutError):
        error = TransientModelError(f"{name}: request to {base_url} timed out")
    elif isinstance(exc, sdk.APIConnectionError):
        error = ModelUnavailable(
            f"{name}: cannot connect to {base_url}; check that the server is running "
            "and that the base URL (host, port, /v1 path) is right"
        )
    elif isinstance(exc, (sdk.AuthenticationError, sdk.PermissionDeniedError)):
        error = ModelUnavailable(
            f"{name}: {base_url} rejected the API key (HTTP {exc.status_code}); "
            f"set {' or '.join(key_envs)} to a valid key"
        )
    elif isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        text = f"{name}: HTTP {status} from {base_url}: {_server_message(exc)}"
        transient = status in (408, 429) or status >= 500
        error = TransientModelError(text) if transient else ModelError(text)
    else:
        error = ModelError(f"{name}: {type(exc).__name__}: {exc}")
    message = str(error)
    if key and key in message:
        error = type(error)(message.replace(key, "***"))
    raise error from (None if key and key in str(exc) else exc)


def _server_message(exc: Any) -> str:
    """The server's own error text: `error.message` in the body, else the SDK's summary."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc.message)


class OpenAIModel(BaseModel):
    """Chat completions through the official `openai` SDK against any compatible endpoint."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        try:
            import openai
        except ImportError as exc:
            raise ModelUnavailable(
                "the openai backend needs the openai extra: pip install 'macrohard[openai]'"
            ) from exc
        base_url = base_url or os.environ.get(BASE_URL_ENV) or None
        self.model = model
        self.name = f"openai:{model}" if base_url is None else f"openai:{model}@{base_url}"
        self._key = resolve_api_key(self.name, api_key, KEY_ENVS, base_url)
        self._sdk: ModuleType = openai
        self._client: openai.OpenAI = openai.OpenAI(
            base_url=base_url, api_key=self._key, timeout=timeout, max_retries=0
        )

    def _call(self, request: Request) -> Completion:
        schema = request.schema
        try:
            if schema is None:
                return self._create(request, request.messages, None)
            json_schema = {"name": "output", "schema": schema, "strict": False}
            try:
                return self._create(
                    request,
                    request.messages,
                    {"type": "json_schema", "json_schema": json_schema},
                )
            except self._sdk.BadRequestError:
                messages = _with_system(request.messages, schema_instruction(schema))
                return self._create(request, messages, {"type": "json_object"})
        except self._sdk.OpenAIError as exc:
            raise_mapped(
                self._sdk,
                exc,
                name=self.name,
                base_url=str(self._client.base_url),
                key=self._key,
                key_envs=KEY_ENVS,
            )

    def _create(
        self,
        request: Request,
        messages: tuple[Message, ...],
        response_format: dict[str, Any] | None,
    ) -> Completion:
        extra: dict[str, Any] = {}
        if request.seed is not None:
            extra["seed"] = request.seed
        if request.stop:
            extra["stop"] = list(request.stop)
        if response_format is not None:
            extra["response_format"] = response_format
        response = self._client.chat.completions.create(
            model=self.model,
            messages=cast("list[ChatCompletionMessageParam]", list(messages)),
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            **extra,
        )
        if not response.choices:
            raise ModelError(f"{self.name}: the server returned no choices")
        choice = response.choices[0]
        text = choice.message.content or ""
        if response.usage is not None:
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens, 0.0, 1)
        else:
            prompt = "".join(m["content"] for m in messages)
            usage = Usage(approx_tokens(prompt), approx_tokens(text), 0.0, 1)
        return Completion(text, usage, self.name, choice.finish_reason)


def _with_system(messages: tuple[Message, ...], note: str) -> tuple[Message, ...]:
    """Add `note` to the leading system message, or put one first (some templates allow one)."""
    if messages and messages[0]["role"] == "system":
        first: Message = {
            "role": "system",
            "content": f"{messages[0]['content']}\n\n{note}",
        }
        return (first, *messages[1:])
    return ({"role": "system", "content": note}, *messages)
