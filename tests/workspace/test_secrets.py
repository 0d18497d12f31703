from __future__ import annotations

import pytest

from macrohard.workspace.secrets import find_secrets

# built by concatenation so this file never looks like it holds a real key
OPENAI = "sk-" + "proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8t"
ANTHROPIC = "sk-" + "ant-" + "api03-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm"
XAI = "xai-" + "Qw3Er4Ty5Ui6Op7As8Df9Gh"
AWS = "AKIA" + "IOSFODNN7EXAMPL2"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SLACK = "xoxb-" + "1234567890-abcdefghij"


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        (OPENAI, "openai-key"),
        (ANTHROPIC, "anthropic-key"),
        (XAI, "xai-key"),
        (AWS, "aws-access-key-id"),
        (GITHUB, "github-token"),
        (SLACK, "slack-token"),
        ("-----BEGIN RSA " + "PRIVATE KEY-----", "private-key"),
    ],
)
def test_vendor_shapes(secret: str, kind: str) -> None:
    found = find_secrets(f"x = 1\nclient = make('{secret}')\n")
    assert [(f.kind, f.line_no) for f in found] == [(kind, 2)]
    assert found[0].excerpt_redacted == secret[:4] + "****"


@pytest.mark.parametrize(
    "text",
    [
        'API_KEY = "q8Zr2LmX0vTn4KbW9sYp"',
        'config = {"api_key": "q8Zr2LmX0vTn4KbW9sYp"}',
        'client_secret: str = "q8Zr2LmX0vTn4KbW9sYp"',
        "export SERVICE_TOKEN=q8Zr2LmX0vTn4KbW9sYp",
    ],
)
def test_generic_assignment(text: str) -> None:
    assert [f.kind for f in find_secrets(text)] == ["generic-secret"]


@pytest.mark.parametrize(
    "text",
    [
        "def task-runner(): pass  # risk-assessment-for-the-whole-project",
        "sk-short",
        'api_key = os.environ["OPENAI_API_KEY"]',
        'api_key = "your-api-key-goes-here"',
        'token = "test-token-1234567890"',
        'password = "aaaaaaaaaaaaaaaa1"',
        "token = get_token_from_environment_v2()",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert find_secrets(text) == []


def test_env_values_are_canaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOO_API_KEY", "canary-value-1234567")
    monkeypatch.setenv("SHORT_TOKEN", "tiny")
    found = find_secrets("a\nprint('canary-value-1234567')\ntiny\n")
    assert [(f.kind, f.line_no, f.excerpt_redacted) for f in found] == [
        ("env:FOO_API_KEY", 2, "cana****")
    ]


def test_one_finding_per_secret_in_order() -> None:
    found = find_secrets(f"a = '{ANTHROPIC}'\nb = '{OPENAI}'\n")
    assert [(f.kind, f.line_no) for f in found] == [("anthropic-key", 1), ("openai-key", 2)]
