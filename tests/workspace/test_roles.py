from __future__ import annotations

import pytest

from macrohard.errors import UserError
from macrohard.workspace import ROLES, identity


def test_every_role_has_its_own_identity() -> None:
    assert {"pm", "architect", "qa", "engineer", "reviewer", "release", "macrohard"} == set(ROLES)
    assert identity("pm").name == "Macrohard Product Manager"
    assert identity("pm").email == "pm@macrohard.invalid"
    assert len({i.email for i in ROLES.values()}) == len(ROLES)


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"unknown role 'ceo'.*engineer"):
        identity("ceo")
