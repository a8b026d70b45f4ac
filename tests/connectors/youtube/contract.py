"""YouTube's discovery document (shipped inside google-api-python-client) as a contract.

Every request the fake receives is checked against it: a known method at that path and
HTTP verb, no unknown query parameters, required ones present, typed values of the right
type and within their enums and bounds, and a request body that fits the method's schema.
The fake's own answers are checked against the response schemas too, so the fake cannot
drift from what YouTube promises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pytest


@dataclass(frozen=True)
class Method:
    id: str
    http_method: str
    path: re.Pattern[str]
    parameters: dict[str, Any]
    request: str | None
    response: str | None


@cache
def document() -> dict[str, Any]:
    try:
        base = resources.files("googleapiclient") / "discovery_cache" / "documents"
    except ModuleNotFoundError:
        pytest.skip("google-api-python-client is not installed (pip install -e .[test])")
    return json.loads((base / "youtube.v3.json").read_text())


@cache
def methods() -> tuple[Method, ...]:
    doc = document()
    found = []

    def walk(resource: dict[str, Any]) -> None:
        for method in resource.get("methods", {}).values():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape("/" + method["path"]))
            found.append(
                Method(
                    id=method["id"],
                    http_method=method["httpMethod"],
                    path=re.compile(f"^{pattern}$"),
                    parameters=method.get("parameters", {}),
                    request=(method.get("request") or {}).get("$ref"),
                    response=(method.get("response") or {}).get("$ref"),
                )
            )
        for child in resource.get("resources", {}).values():
            walk(child)

    walk(doc)
    return tuple(found)


def find(http_method: str, path: str) -> Method | None:
    for method in methods():
        if method.http_method == http_method and method.path.match(path):
            return method
    return None


def check_parameter(name: str, spec: dict[str, Any], values: list[str]) -> list[str]:
    problems = []
    if len(values) > 1 and not spec.get("repeated"):
        problems.append(f"{name} given {len(values)} times but is not repeated")
    for raw in values:
        parts = raw.split(",") if spec.get("repeated") else [raw]
        for value in parts:
            kind = spec.get("type")
            if kind == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    problems.append(f"{name}={value!r} is not an integer")
                    continue
                number = int(value)
                if "minimum" in spec and number < int(spec["minimum"]):
                    problems.append(f"{name}={number} below its minimum {spec['minimum']}")
                if "maximum" in spec and number > int(spec["maximum"]):
                    problems.append(f"{name}={number} above its maximum {spec['maximum']}")
            elif kind == "boolean" and value not in ("true", "false"):
                problems.append(f"{name}={value!r} is not true or false")
            if "enum" in spec and value not in spec["enum"]:
                problems.append(f"{name}={value!r} is not one of {spec['enum']}")
            if spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
                problems.append(f"{name}={value!r} does not match {spec['pattern']}")
    return problems


def check_schema(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Type-check ``value`` against a discovery schema (a small JSON Schema dialect)."""
    schemas = document()["schemas"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        problems = []
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += check_schema(item, properties[key], f"{where}.{key}")
            elif extra is not None:
                problems += check_schema(item, extra, f"{where}.{key}")
            else:
                problems.append(f"{where}.{key} is not in the schema")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where} is not an array"]
        return [
            p
            for i, item in enumerate(value)
            for p in check_schema(item, schema.get("items", {}), f"{where}[{i}]")
        ]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where} is not a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where}={value!r} is not one of {schema['enum']}"]
        if schema.get("format") in ("uint64", "int64") and not re.fullmatch(r"-?\d+", value):
            return [f"{where}={value!r} is not a decimal number"]
        return []
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where} is not an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where} is not a boolean"]
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where} is not a number"]
    return []


def check_request(
    http_method: str, path: str, query: dict[str, list[str]], body: bytes
) -> tuple[Method | None, list[str]]:
    """The method a request calls, and everything in it the discovery document forbids."""
    method = find(http_method, path)
    if method is None:
        return None, [f"no method {http_method} {path} in the discovery document"]
    problems = []
    shared = document()["parameters"]
    for name, values in query.items():
        spec = method.parameters.get(name) or shared.get(name)
        if spec is None:
            problems.append(f"{method.id}: unknown parameter {name}")
            continue
        problems += [f"{method.id}: {p}" for p in check_parameter(name, spec, values)]
    for name, spec in method.parameters.items():
        if spec.get("required") and spec.get("location") == "query" and name not in query:
            problems.append(f"{method.id}: required parameter {name} is missing")
    if method.request:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return method, problems + [f"{method.id}: the body is not JSON"]
        problems += [
            f"{method.id}: {p}" for p in check_schema(payload, {"$ref": method.request}, "body")
        ]
    elif body:
        problems.append(f"{method.id}: takes no body")
    return method, problems


def check_response(method: Method, payload: Any) -> list[str]:
    if method.response is None:
        return []
    return check_schema(payload, {"$ref": method.response}, "response")
