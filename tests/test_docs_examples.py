"""The docs' runnable examples run, and what they state about return values holds: each test
takes the code from the page itself, so the page cannot drift from the code."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def blocks(page: str, lang: str = "python") -> list[str]:
    """The fenced code blocks of a docs page (README.md, docs/x.md), in order."""
    text = (ROOT / page).read_text(encoding="utf-8")
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def block(page: str, marker: str, lang: str = "python") -> str:
    """The one block of `page` that contains `marker`."""
    found = [b for b in blocks(page, lang) if marker in b]
    assert len(found) == 1, f"{page}: {len(found)} {lang} blocks with {marker!r}"
    return found[0]


def test_the_readme_grpc_example_runs_as_written_outside_the_repo(lykke, tmp_path):
    code = block("README.md", "grpc.insecure_channel")
    key_line = re.search(r'^KEY = ".*"', code, re.M)
    assert key_line and '"127.0.0.1:5001"' in code
    code = code.replace(key_line.group(0), f'KEY = "{lykke.api_key("trader")}"')
    code = code.replace('"127.0.0.1:5001"', f'"{lykke.grpc_target}"')
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert 'assetId: "BTC"' in out.stdout
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        lines[-1])
    assert lykke.order(lines[-1]).status == "Placed"
