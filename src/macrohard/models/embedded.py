"""The embedded backend: a GGUF model run in-process by llama-cpp-python on the CPU."""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path
from typing import Any

from macrohard.errors import ModelError, ModelUnavailable
from macrohard.models.base import BaseModel, Completion, Request, Usage
from macrohard.models.loops import LoopGuard
from macrohard.models.packs import model_path

INSTALL_HINT = "pip install 'macrohard[local]'  (or: make setup)"

# llama.cpp's OpenMP threads wait between steps. Measured here (2 cores, 1.5B, 200 tokens, s):
#                      alone   two model processes at once
#   OMP default         11.0    47
#   PASSIVE             18.9    21
#   ACTIVE / long spin  11.5   163
# A build has one model and nothing else computing while it generates, and concurrent builds
# share one model in one process (the API server, the shared model service), so the default
# wins; a user running several model processes side by side can set OMP_WAIT_POLICY=PASSIVE.

_LOADED: dict[tuple[str, int, int, int, int], Any] = {}
# one lock per loaded llama.cpp context: two EmbeddedModel objects of one model (two builds in
# two threads) share the context, so they must share the lock that serialises generation on it
_LOCKS: dict[tuple[str, int, int, int, int], threading.Lock] = {}
_LOAD_LOCK = threading.Lock()


def default_threads() -> int:
    """Generation is memory-bound: use the cores the machine has, unless told otherwise."""
    env = os.environ.get("MACROHARD_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _load(path: Path, n_ctx: int, threads: int, lookup: int, slot: int = 0) -> Any:
    key = (str(path), n_ctx, threads, lookup, slot)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelUnavailable(
                f"the embedded backend needs llama-cpp-python: {INSTALL_HINT}"
            ) from exc
        options: dict[str, Any] = {
            "model_path": str(path),
            "n_ctx": n_ctx,
            "n_threads": threads,
            "n_threads_batch": threads,
            "n_batch": 512,
            "flash_attn": True,
            "verbose": False,
        }
        if lookup > 0:
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            options["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=lookup)
            options["logits_all"] = True  # the speculative path reads every position's logits
        try:
            llm = llama_cpp.Llama(**options)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
        _LOADED[key] = llm
        return llm


def _guard(llm: Any) -> Any:
    """A fresh loop guard for one generation, as llama.cpp takes logits processors."""
    from llama_cpp import LogitsProcessorList

    return LogitsProcessorList([LoopGuard(llm.token_eos())])


@atexit.register
def _close_all() -> None:
    """Free the loaded models while the interpreter still works: left to garbage collection at
    shutdown, llama-cpp-python's finaliser finds its C bindings already gone and prints a
    TypeError traceback on every exit."""
    with _LOAD_LOCK:
        models = list(_LOADED.values())
        _LOADED.clear()
    for llm in models:
        close = getattr(llm, "close", None)
        if close is not None:
            close()


def _lock_of(path: Path, n_ctx: int, threads: int, lookup: int, slot: int) -> threading.Lock:
    with _LOAD_LOCK:
        return _LOCKS.setdefault((str(path), n_ctx, threads, lookup, slot), threading.Lock())


_END_TOKENS = ("<|im_end|>", "<|endoftext|>")


class EmbeddedModel(BaseModel):
    """A local GGUF (a named model pack or a path), loaded once per process and shared.

    `lookup` > 0 enables prompt-lookup decoding (draft tokens copied from the prompt), which pays
    off when the answer repeats much of the prompt, as in repair rounds.
    """

    def __init__(
        self,
        model: str = "qwen2.5-coder-1.5b",
        *,
        n_ctx: int = 8192,  # a build prompt: request + contract + a whole file + failures
        threads: int | None = None,
        lookup: int = 0,
        slot: int = 0,
    ) -> None:
        self.model = model
        self.slot = slot  # instances with different slots get their own context (model service)
        self.name = f"embedded:{model}"
        self.n_ctx = n_ctx
        self.threads = threads or default_threads()
        self.lookup = lookup
        self._llm: Any = None
        self._formatter: Any = None
        self._lock = threading.Lock()

    #: a final assistant message is continued, not answered (saves re-generating a prompt's code)
    supports_prefill = True

    @property
    def path(self) -> Path:
        return model_path(self.model)

    def load(self) -> Any:
        if self._llm is None:
            self._llm = _load(self.path, self.n_ctx, self.threads, self.lookup, self.slot)
            self._lock = _lock_of(self.path, self.n_ctx, self.threads, self.lookup, self.slot)
        return self._llm

    def count_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode(), add_bos=False, special=True))

    def _call(self, request: Request) -> Completion:
        llm = self.load()
        if request.messages and request.messages[-1]["role"] == "assistant":
            return self._continue(llm, request)
        kwargs: dict[str, Any] = {
            "messages": list(request.messages),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.temperature <= 0:
            kwargs.update(top_k=1)
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.stop:
            kwargs["stop"] = list(request.stop)
        if request.schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.schema}
        guard = kwargs["logits_processor"] = _guard(llm)
        with self._lock:
            try:
                response = llm.create_chat_completion(**kwargs)
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise ModelError(f"{self.name}: {exc}") from exc
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), 0.0, 1),
            model=self.name,
            finish_reason="loop" if guard[0].fired else choice.get("finish_reason"),
        )

    def _continue(self, llm: Any, request: Request) -> Completion:
        """Render the chat template up to the assistant turn, append the prefill, continue it."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ModelError(f"{self.name}: the GGUF has no chat template; cannot prefill")
            self._formatter = Jinja2ChatFormatter(template, eos_token=_END_TOKENS[0], bos_token="")
        head = self._formatter(messages=list(request.messages[:-1])).prompt
        kwargs: dict[str, Any] = {
            "prompt": head + request.messages[-1]["content"],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stop": [*request.stop, *_END_TOKENS],
        }
        if request.temperature <= 0:
            kwargs.update(top_k=1)
        if request.seed is not None:
            kwargs["seed"] = request.seed
        guard = kwargs["logits_processor"] = _guard(llm)
        with self._lock:
            try:
                response = llm.create_completion(**kwargs)
            except ValueError as exc:
                raise ModelError(f"{self.name}: {exc}") from exc
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice.get("text") or "",
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), 0.0, 1),
            model=self.name,
            finish_reason="loop" if guard[0].fired else choice.get("finish_reason"),
        )
