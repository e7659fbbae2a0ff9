"""The published JSON Schema of the scenario format (schema.json, with the lists that live in
the code filled in: clock modes, quirk ids, error code names)."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources

from jsonschema import Draft202012Validator

from ..engine.clock import CLOCKS
from ..engine.errors import Code
from ..engine.quirks import QUIRKS


@lru_cache(maxsize=1)
def _schema() -> dict:
    schema = json.loads(resources.files(__package__).joinpath("schema.json").read_text())
    schema["properties"]["clock"]["properties"]["mode"]["enum"] = list(CLOCKS)
    schema["$defs"]["quirks"]["properties"] = {
        qid: {"type": "boolean", "description": f"{text} (default {str(on).lower()})"}
        for qid, (on, text) in QUIRKS.items()}
    schema["$defs"]["errorCode"]["anyOf"][0]["enum"] = [c.name for c in Code if c]
    Draft202012Validator.check_schema(schema)
    return schema


def scenario_schema() -> dict:
    """A copy of the complete schema."""
    return copy.deepcopy(_schema())


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


def schema_text() -> str:
    return json.dumps(_schema(), indent=2) + "\n"


@lru_cache(maxsize=None)
def def_validator(name: str) -> Draft202012Validator:
    """A validator for one definition of the schema, e.g. "fault"."""
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": _schema()["$defs"]})
