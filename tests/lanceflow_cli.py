"""Runs the lanceflow program built from this repository (build/lanceflow, or $LANCEFLOW_BIN)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary() -> str:
    path = os.environ.get("LANCEFLOW_BIN") or os.path.join(ROOT, "build", "lanceflow")
    if not os.path.exists(path):
        raise RuntimeError(f"{path} does not exist: build first (scripts/build.sh)")
    return path


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode()

    def rows(self) -> List[dict]:
        return [json.loads(line) for line in self.text.split("\n") if line]


def run(args: Sequence[str], env: Optional[Dict[str, str]] = None, timeout: float = 120,
        check: bool = False) -> Run:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("LANCEDB_API_KEY", "LANCEDB_HOST_OVERRIDE")}
    full_env.update(env or {})
    p = subprocess.run([binary(), *args], env=full_env, capture_output=True, timeout=timeout)
    r = Run(p.returncode, p.stdout, p.stderr.decode(errors="replace"))
    if check and r.returncode != 0:
        raise AssertionError(f"lanceflow {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r
