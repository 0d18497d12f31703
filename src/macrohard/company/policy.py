"""Requests we refuse before any work starts: empty, enormous, or asking to harm the machine."""

from __future__ import annotations

import re

from macrohard.errors import UserError

MAX_REQUEST = 20_000

_HARMFUL = [
    (r"\brm\s+-rf\s+(/|~|\$HOME)", "delete the machine's files"),
    (r"\b(fork\s*bomb|:\(\)\s*\{\s*:\|:&\s*\};:)", "exhaust the machine with a fork bomb"),
    (
        r"\b(ransomware|keylogger|credential stealer|botnet|cryptominer|crypto miner)\b",
        "build malware",
    ),
    (
        r"\b(steal|exfiltrate|harvest)\b.{0,40}\b(passwords?|credentials|keys|tokens|cookies)\b",
        "steal credentials",
    ),
    (
        r"\b(wipe|destroy|format|encrypt)\b.{0,30}\b(the )?(disk|hard drive|machine|host|system)\b",
        "destroy the machine's data",
    ),
    (
        r"\b(disable|bypass|escape)\b.{0,30}\b(the )?(sandbox|firewall|antivirus)\b",
        "escape the sandbox",
    ),
]


def check_request(text: str) -> str:
    """The request, stripped; a UserError saying what to change when it cannot be built."""
    text = (text or "").strip()
    if not text:
        raise UserError(
            "the request is empty: describe the software you want, e.g. macrohard build "
            '"A CLI todo.py that stores tasks in SQLite" --out todo'
        )
    if len(text) > MAX_REQUEST:
        raise UserError(
            f"the request is {len(text):,} characters; the limit is {MAX_REQUEST:,}. "
            "Describe one project and keep reference material out of the request"
        )
    for pattern, what in _HARMFUL:
        if re.search(pattern, text, re.IGNORECASE | re.DOTALL):
            raise UserError(
                f"refused: the request asks to {what}. Macrohard builds software that is safe "
                "to run; rephrase the request without it"
            )
    return text
