from macrohard.solve.testrun import TestRun


def test_skipped_property():
    test_run = TestRun(True, outcomes={"a": "passed", "b": "skipped"})
    assert test_run.skipped == {"b"}
    test_run = TestRun(True, outcomes={"a": "failed"})
    assert test_run.skipped == set()
    test_run = TestRun(True, outcomes={"a": "passed", "b": "passed"})
    assert test_run.skipped == set()
