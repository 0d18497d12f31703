from __future__ import annotations

import pytest

from macrohard.errors import UserError
from macrohard.synth.examples import examples_from_docstring
from macrohard.synth.task import Task

DOCTEST = '''
def add(a: int, b: int) -> int:
    """Add two numbers.
    >>> add(2, 3)
    5
    >>> round(add(0.1, 0.2), 1)  # floats
    0.3
    add(1, 1) ➞ 2
    add(2, 2) ==> 4
    add(5, 5) => true
    """
'''


def test_reads_the_common_example_styles() -> None:
    found = examples_from_docstring(DOCTEST, "add")
    assert found == [
        "assert add(2, 3) == 5",
        "assert round(add(0.1, 0.2), 1) == 0.3",
        "assert add(1, 1) == 2",
        "assert add(2, 2) == 4",
        "assert add(5, 5) == True",
    ]


def test_for_and_input_output_styles_use_real_parameter_names() -> None:
    text = '''
def total(lst):
    """Sum it.
    For lst = [1,2,3] the output should be 6
    Example:
        Input: lst = [4]
        Output: 4
    Input: other = [1]
    Output: 1
    """
'''
    found = examples_from_docstring(text, "total")
    assert found == [
        "assert total(lst = [1,2,3]) == 6",
        "assert total(lst = [4]) == 4",
        "assert total([1]) == 1",
    ]


def test_prose_after_the_value_is_dropped_and_junk_is_skipped() -> None:
    text = "f(3) -> 9 because three squared\nf(oops -> ???\n"
    assert examples_from_docstring(text, "f") == ["assert f(3) == 9"]


def test_task_from_sentence_takes_the_name_from_examples() -> None:
    task = Task.from_request(
        "Find the shared elements of two lists", ["similar_elements((3, 4), (4, 5)) == (4,)"]
    )
    assert task.entry_point == "similar_elements"
    assert task.examples == ("assert similar_elements((3, 4), (4, 5)) == (4,)",)


def test_task_from_signature() -> None:
    task = Task.from_request(DOCTEST)
    assert task.entry_point == "add" and task.prompt and len(task.examples) == 5


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_bad_descriptions_are_clear_errors(text: str) -> None:
    with pytest.raises(UserError):
        Task.from_request(text)


def test_bad_example_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="not valid Python"):
        Task.from_request("double it", ["f(2) == = 4"])
