"""How fast the embedded model reads a prompt and generates on this machine, with and without the
loop guard (the logits processor every build call carries).

Build figures depend on these two rates more than on anything else: a repair prompt of 5,000
tokens is ~40 s at 130 tokens/s and ~140 s at 35. Run it before comparing build times measured
on different days (the machines are shared):

    .venv/bin/python scripts/bench_model_speed.py [MODEL]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from macrohard.models.embedded import EmbeddedModel, _guard

ROOT = Path(__file__).resolve().parents[1]
TASK = "Write a Python module with ten small string utility functions, each with a docstring."


def chat(text: str) -> str:
    return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


def main() -> None:
    model = EmbeddedModel(sys.argv[1] if len(sys.argv) > 1 else "qwen2.5-coder-1.5b")
    llm = model.load()
    request = (ROOT / "examples/requests/01-money/request.md").read_text()
    prompts = {"short": chat(TASK), "long": chat(request * 2 + "\n" + TASK)}
    print(f"model {model.name}, {model.threads} threads")
    for name, prompt in prompts.items():
        for guarded in (False, True):
            llm.reset()
            options = {"prompt": prompt, "max_tokens": 200, "temperature": 0.0, "top_k": 1}
            if guarded:
                options["logits_processor"] = _guard(llm)
            started = time.perf_counter()
            first = llm.create_completion(**{**options, "max_tokens": 1})  # reads the prompt
            read = time.perf_counter() - started
            started = time.perf_counter()
            reply = llm.create_completion(**options)  # the prompt is cached: generation only
            took = time.perf_counter() - started
            prompt_tokens = first["usage"]["prompt_tokens"]
            generated = reply["usage"]["completion_tokens"]
            print(
                f"{name:5} prompt {prompt_tokens:5} tokens read in {read:5.1f} s "
                f"({prompt_tokens / read:5.1f}/s); guard {'on ' if guarded else 'off'}: "
                f"{generated} tokens in {took:5.1f} s ({generated / took:4.1f}/s)"
            )


if __name__ == "__main__":
    main()
