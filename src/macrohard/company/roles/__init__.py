"""The roles of the company; each is a small class with `role` (its git identity) and `run`."""

from macrohard.company.roles.architect import Architect
from macrohard.company.roles.engineer import Engineer
from macrohard.company.roles.pm import ProductManager
from macrohard.company.roles.qa import QA
from macrohard.company.roles.release import Release
from macrohard.company.roles.review import Reviewer
from macrohard.company.roles.verify import Verifier

__all__ = ["QA", "Architect", "Engineer", "ProductManager", "Release", "Reviewer", "Verifier"]
