"""Keep a verified change minimal: what it rewrote that the tests do not need goes back.

A small model asked to fix one line rewrites its neighbours too: a full run's fix of
`humanize` (10) changed the glue line it was asked about, and also turned the line above,
`re.sub(r"_id$", "", word)`, into `word.rstrip('_id')` (which strips any trailing `_`, `i` and
`d`) and put a comment on every line. The tests passed, so it was claimed, and 3 of 15 hidden
tests failed. Each part of a change to lines the file already had is put back as it was, one
at a time, and stays back when every test still passes: the code the repository's authors
wrote and tested is trusted over a rewrite nothing asked for. New lines are not taken out.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

PARTS = 6  # the most parts of a change tried back: each try is a run of the tests


@dataclass(frozen=True)
class Change:
    """A file's change as parts of (lines before, lines after); unchanged parts are equal."""

    parts: list[tuple[list[str], list[str]]]

    def revertible(self) -> list[int]:
        """The parts that changed or removed lines the file had, in file order."""
        return [i for i, (old, new) in enumerate(self.parts) if old and old != new]

    def build(self, reverted: set[int]) -> str:
        """The file with the parts in `reverted` as they were and the rest as changed."""
        return "".join(
            "".join(old if i in reverted else new) for i, (old, new) in enumerate(self.parts)
        )

    def line(self, index: int) -> str:
        """The first line a part changed, as it was: for a note."""
        return self.parts[index][0][0].strip()


def split(before: str, after: str) -> Change:
    """`after` as a change of `before`: a run of replaced lines with as many lines on both
    sides is split line by line (a comment added to a line is then a part of its own)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    parts: list[tuple[list[str], list[str]]] = []
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace" and i2 - i1 == j2 - j1:
            parts += [([a], [b]) for a, b in zip(old[i1:i2], new[j1:j2], strict=True)]
        else:
            parts.append((old[i1:i2], new[j1:j2]))
    return Change(parts)
