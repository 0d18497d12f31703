"""QA's tests are screened before they count: wrong or made-up asserts go, right ones stay."""

from __future__ import annotations

import ast

from macrohard.company.examples import Doctest
from macrohard.solve.screen import (
    SPLIT_LIMIT,
    add_imports,
    against_examples,
    clean_tests,
    known_keywords,
    on_topic,
    split_asserts,
    unwrap_assertion_raises,
)


def test_tests_that_use_none_of_the_changes_names_are_left_out() -> None:
    tests = (
        "from semver import Version, bump_major\n\n\n"
        "def test_bump():\n    assert bump_major('3.4.5') == '4.0.0'\n\n\n"
        "def test_compatible():\n    assert Version(1, 0, 0).is_compatible(Version(1, 1, 0))\n"
    )
    kept = on_topic(tests, {"is_compatible", "Version"})
    assert kept is not None and "def test_compatible" in kept and "def test_bump" not in kept
    assert on_topic(tests, {"findall"}) is None


def test_a_test_reply_cut_off_by_the_token_limit_loses_its_half_line() -> None:
    reply = (
        "```python\nfrom boltons import strutils\n\n\ndef test_strip():\n"
        "    assert strutils.strip_ansi('\\x1b[0mart') == 'art'\n    assert strutils.strip_"
    )
    tests = clean_tests(reply)
    assert tests is not None and "strip_ansi('\\x1b[0mart') == 'art'" in tests
    assert "strutils.strip_\n" not in tests and not tests.rstrip().endswith("strip_")
    closed = reply + "ansi('') == ''\n```"
    assert "strip_ansi('') == ''" in (clean_tests(closed) or "")


CEIL = "def ceil(x, options=None):\n    return x\n\n\ndef floor(x, **kw):\n    return x\n"


def test_qa_asserts_on_a_made_up_keyword_are_dropped() -> None:
    tests = (
        "from m import ceil, floor\n\n\ndef test_ceil():\n"
        "    assert ceil(4, options=[4, 6]) == 4\n"
        "    assert ceil(4, options=[4, 6], lower=3) == 4\n\n\n"
        "def test_bounds():\n    assert ceil(4, upper=5) == 5\n\n\n"
        "def test_floor():\n    assert floor(4, lower=3) == 4\n"
    )
    kept = known_keywords(tests, [CEIL], "Bug: `ceil(4, options=[4, 6])` returns 6.")
    assert kept is not None
    tree = ast.parse(kept)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    # ceil takes no `lower` or `upper`: those asserts go, and a test left empty with them;
    # floor takes **kw, so anything may be right
    assert names == ["test_ceil", "test_floor"]
    assert (
        "options=[4, 6]) == 4" in kept and "lower=3) == 4\n" not in kept.split("def test_floor")[0]
    )
    # a keyword the request names is the change itself (a new parameter): it stays
    said = known_keywords(tests, [CEIL], "Add an `upper` bound to `ceil`.")
    assert said is not None and "upper=5" in said
    only_made_up = "from m import ceil\n\n\ndef test_x():\n    assert ceil(1, lower=0) == 1\n"
    assert known_keywords(only_made_up, [CEIL], "fix ceil") is None


def test_qa_tests_in_a_test_class_are_kept_without_the_projects_mixin() -> None:
    reply = (
        "```python\nimport unittest\nimport cachetools\nfrom . import CacheTestMixin\n\n"
        "class LRUTest(CacheTestMixin, unittest.TestCase):\n"
        "    def setUp(self):\n        self.c = cachetools.LRUCache(maxsize=2)\n\n"
        "    def test_order(self):\n        self.c[1] = 1\n        assert sorted(self.c) == [1]\n\n"
        "    def test_size(self):\n        assert len(self.c) == 0\n\n"
        "class TestKeys:\n    def test_keys(self):\n        assert cachetools.keys is not None\n```"
    )
    code = clean_tests(reply)
    assert code is not None and "class LRUTest(unittest.TestCase):" in code
    # a class whose setUp uses the change's names keeps its tests; an off-topic class goes
    kept = on_topic(code, {"LRUCache"})
    assert kept is not None and "test_order" in kept and "test_size" in kept
    assert "def setUp" in kept and "TestKeys" not in kept
    # a class pytest would not collect holds no tests
    assert clean_tests("```python\nclass Helper:\n    def test_x(self):\n        pass\n```") is None


def test_a_test_of_several_asserts_becomes_one_test_each() -> None:
    code = (
        "import m\n\n\ndef test_indent():\n    assert m.indent('a\\n') == ' a\\n'\n"
        "    assert m.indent('') == ' '\n\n\ndef test_set_up():\n    x = m.f()\n    assert x\n"
    )
    split = split_asserts(code)
    tree = ast.parse(split)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    # a test with other statements keeps them together: its asserts may depend on them
    assert names == ["test_indent_1", "test_indent_2", "test_set_up"]
    assert split_asserts("def test_x():\n    assert 1\n") == "def test_x():\n    assert 1\n"
    runaway = "def test_h():\n" + "".join(f"    assert h('x_{n}') == 'X'\n" for n in range(25))
    assert split_asserts(runaway).count("def test_h_") == SPLIT_LIMIT
    unittest = (
        "class TestStrip(TestCase):\n    def test_strip(self):\n"
        "        self.assertEqual(strip('a'), 'a')\n        assert strip('') == ''\n"
        "    def helper(self):\n        self.assertTrue(1)\n        self.assertTrue(2)\n"
    )
    cls = ast.parse(split_asserts(unittest)).body[0]
    assert isinstance(cls, ast.ClassDef)
    methods = [n.name for n in cls.body if isinstance(n, ast.FunctionDef)]
    assert methods == ["test_strip_1", "test_strip_2", "helper"]  # a helper is not a test


def test_asserts_the_clients_examples_show_wrong_are_dropped() -> None:
    # ordinal(n) gives the suffix, ordinalize(n) the number with it: the model pasted the
    # ordinalize examples under ordinal, and one right assert contradicts nothing
    examples = [
        Doctest((), "ordinal(1)", "'st'\n", None),
        Doctest((), "ordinalize(-11)", "'-11th'\n", None),
        Doctest(("c = Counter()",), "c.get(1)", "0\n", None),  # built state: not compared
    ]
    code = (
        "import inflection\n\n"
        "def test_ordinal_1():\n    assert inflection.ordinal(1) == 'st'\n\n"
        "def test_ordinal_2():\n    assert inflection.ordinal(-11) == '-11th'\n\n"
        "def test_ordinal_3():\n    assert 'nd' == inflection.ordinal(2)\n\n"
        "def test_ordinal_4():\n    assert inflection.ordinal(1) == '1st'\n\n"
        "def test_get():\n    c = Counter()\n    assert c.get(1) == 5\n"
    )
    kept = against_examples(code, examples)
    assert kept is not None
    tree = ast.parse(kept)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names == ["test_ordinal_1", "test_ordinal_3", "test_get"]
    assert against_examples(code, []) == code
    only_wrong = "def test_x():\n    assert ordinal(-11) == '-11th'\n"
    assert against_examples(only_wrong, examples) is None


def test_a_test_that_checks_its_assert_fails_is_unwrapped() -> None:
    code = (
        "import pytest\n\n"
        "def test_compare():\n"
        "    with pytest.raises(AssertionError):\n"
        "        assert compare('1.0.0-rc.10', '1.0.0-rc.9') == 1\n\n"
        "def test_bad_input():\n"
        "    with pytest.raises(ValueError):\n"
        "        compare('x', 'y')\n"
    )
    unwrapped = unwrap_assertion_raises(code)
    assert "AssertionError" not in unwrapped
    assert "    assert compare('1.0.0-rc.10', '1.0.0-rc.9') == 1" in unwrapped
    assert "with pytest.raises(ValueError):" in unwrapped  # a real error check stays
    plain = "def test_x():\n    assert 1\n"
    assert unwrap_assertion_raises(plain) == plain


def test_names_a_test_uses_and_never_imports_are_imported_from_the_project() -> None:
    modules = {
        "semver.version": "class Version:\n    pass\n\n_LAST = 1\n",
        "semver._deprecated": "def compare(a, b):\n    return 0\n",
    }
    code = (
        "from semver import bump_major\n\n"
        "def test_compare():\n"
        "    v = Version.parse('1.0.0')\n"
        "    assert semver.compare('1.0.0', '2.0.0') == -1\n"
        "    assert [x for x in range(2)] and v and ordinalize(1) and undefined_thing\n"
        "    with pytest.raises(ValueError):\n"
        "        bump_major('x')\n"
    )
    fixed = add_imports(code, modules, {"ordinalize": "semver.version"})
    tree = ast.parse(fixed)
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert sorted(imports) == [
        "from semver import bump_major",
        "from semver.version import Version",
        "from semver.version import ordinalize",
        "import pytest",
        "import semver",
    ]
    assert "undefined_thing" not in "".join(imports)  # nothing invented
    assert add_imports(fixed, modules) == fixed


def test_a_unittest_check_left_after_a_made_up_keyword_goes_keeps_its_test() -> None:
    tests = (
        "class TestCeil(TestCase):\n    def test_ceil(self):\n"
        "        self.assertEqual(ceil(4, lower=3), 4)\n        self.assertEqual(ceil(4), 4)\n"
        "        print('x')\n"
    )
    kept = known_keywords(tests, [CEIL], "fix ceil")
    assert kept is not None and "self.assertEqual(ceil(4), 4)" in kept and "lower" not in kept


def test_a_new_functions_signature_in_the_request_tells_made_up_keywords() -> None:
    """05's QA tested a `clamp` that does not exist yet with `options=`: the request's
    signature is all there is to judge by, and its example calls are no signatures."""
    request = (
        "Please add `clamp(x, lower=float('-inf'), upper=float('inf'))`: for example "
        "`clamp(-1.0, 0, 5)` should return 0 and `clamp(123, upper=5)` should return 5."
    )
    tests = (
        "from m import clamp\n\n\ndef test_clamp():\n"
        "    assert clamp(10, 5, 15) == 10\n"
        "    assert clamp(10, 15, 5) == 5\n"
        "    assert clamp(10, 10, 10, options={'clamp': 'min'}) == 10\n"
        "    with pytest.raises(ValueError):\n"
        "        clamp(10, 10, 5, options={'clamp': 'min'})\n"
        "    with pytest.raises(ValueError):\n"
        "        clamp(10, upper=5, lower=7)\n"
    )
    kept = known_keywords(tests, [], request)
    assert kept is not None and "options" not in kept
    # a built-in the request uses (`sorted(c)`) is no signature to judge `sorted` by
    uses = "from m import f\n\n\ndef test_f():\n    assert sorted(f(), reverse=True) == [2, 1]\n"
    assert known_keywords(uses, [], "`sorted(c)` is `[1, 2]`") == uses
    # what is left is all checks, so each becomes a test of its own (a wrong one fails alone)
    split = split_asserts(kept)
    names = [n.name for n in ast.parse(split).body if isinstance(n, ast.FunctionDef)]
    assert names == ["test_clamp_1", "test_clamp_2", "test_clamp_3"]
    assert "with pytest.raises(ValueError):\n        clamp(10, upper=5, lower=7)" in split
