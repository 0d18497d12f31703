"""`macrohard` with the scripted company registered as model backend `scripted-company`.

The real command line (build, resume, runs), real journal, git and sandbox; only the model is
scripted. The backend is named after the model, so `resume` finds it from the journal unaided.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from company.scripted_company import Company as Script
from macrohard.cli import main
from macrohard.models.registry import register_backend

if __name__ == "__main__":
    register_backend("scripted-company", lambda rest, options: Script().model())
    main()
