"""docs/ci.md's examples can't all run here (no docker daemon, no registry), so what can be
checked without them is: every YAML block parses, every `mock-lykke` command line in any block
is one the real command line takes, every scenario it names is shipped, and every variable
of the image's table is read by the package and set by the Dockerfile."""
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from mock_lykke.cli import _parser

from test_docs_examples import ROOT, blocks

PAGE = "docs/ci.md"
SHIPPED = {p.name for p in (ROOT / "scenarios").glob("*.yaml")}


def _all_blocks() -> list[str]:
    return [b for lang in ("sh", "yaml", "python", "js", "") for b in blocks(PAGE, lang)]


def _command_lines() -> list[list[str]]:
    """Each `mock-lykke ...` in the page's blocks, as an argv after `mock-lykke`: shell lines
    (continuations joined, comments cut) and JSON/YAML lists that are a container's command."""
    found = []
    for text in _all_blocks():
        text = text.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split(" #")[0]
            at = line.find("mock-lykke ")
            if at < 0 or line[:at].rstrip().endswith(("-t", "build")) or " [--" in line \
                    or line[at - 1:at] == "/":
                continue                # an image name, a path, or the usage synopsis
            rest = line[at:]
            if at and line[at - 1] in "\"'":          # quoted inside an option's value
                rest = rest[:rest.find(line[at - 1])]
            found.append(shlex.split(rest)[1:] or ["serve"])   # the image's CMD
        for match in re.finditer(r'(?:command|withCommand)[:(]\s*(\[[^\]]*\])', text):
            items = json.loads(match.group(1).replace("\n", " "))
            found.append(items)
        for match in re.finditer(r'\[[^\[\]]*"mock-lykke",[^\[\]]*\]', text):
            items = json.loads(match.group(0))
            found.append(items[items.index("mock-lykke") + 1:])
    return found


def test_every_yaml_block_parses():
    docs = blocks(PAGE, "yaml")
    assert len(docs) >= 4
    for text in docs:
        assert yaml.safe_load(text) is not None


@pytest.mark.parametrize("argv", _command_lines(), ids=lambda a: " ".join(a)[:60])
def test_every_mock_lykke_command_is_one_the_command_line_takes(argv):
    _parser().parse_args(argv)          # an unknown option or command exits 2: a failure
    for arg in argv:
        if arg.endswith(".yaml") and "/" not in arg:
            assert arg in SHIPPED, f"{arg} is not in scenarios/ (the image's /scenarios)"


def test_commands_were_found():
    subcommands = {argv[0] for argv in _command_lines() if argv}
    assert {"serve", "health"} <= subcommands


def test_the_image_table_names_variables_the_package_reads_and_the_image_sets():
    table = [line for line in (ROOT / PAGE).read_text().splitlines()
             if line.startswith("| `MOCK_LYKKE_")]
    names = {n for line in table for n in re.findall(r"`(MOCK_LYKKE_\w+)`", line.split("|")[1])}
    assert len(names) >= 7
    source = "".join(p.read_text() for p in (ROOT / "mock_lykke").rglob("*.py"))
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in names:
        assert name in source, f"{name} is read nowhere in the package"
        image = next(line for line in table if f"`{name}`" in line).split("|")[2].strip()
        if image != "(unset)":
            assert f"{name}=" in dockerfile, f"the Dockerfile does not set {name}"


def test_the_ca_variables_named_are_ones_the_clients_read():
    """ccxt's synchronous client ignores REQUESTS_CA_BUNDLE unless told (docs/tls.md): the
    page must not promise it."""
    for line in (ROOT / PAGE).read_text().splitlines():
        if "REQUESTS_CA_BUNDLE" in line:
            assert "ccxt" not in line.split("#")[-1] or "tls.md" in line, line
