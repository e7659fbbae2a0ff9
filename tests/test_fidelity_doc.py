"""docs/fidelity.md stays true: every quirk is listed, and every test it names exists."""
import re
from pathlib import Path

from mock_lykke.engine.quirks import QUIRKS

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "fidelity.md").read_text()


def test_every_quirk_is_documented_with_its_default():
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|.*$", DOC, re.M)}
    assert set(QUIRKS) <= set(rows), sorted(set(QUIRKS) - set(rows))
    for quirk_id, (default, _) in QUIRKS.items():
        assert ("off by default" in rows[quirk_id]) == (not default), quirk_id


def test_every_named_test_exists():
    names = re.findall(r"`(test_\w+\.py)((?:::\w+)?)`((?:, `::\w+`)*)", DOC)
    assert len(names) > 20
    for file, first, more in names:
        source = (ROOT / "tests" / file).read_text()
        for test in [first] + re.findall(r"::\w+", more):
            if test:
                assert f"def {test[2:]}(" in source, f"{file}{test}"
