"""The family tests use the hand-written fixture models of tests/fixtures/firmware."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "firmware"))
