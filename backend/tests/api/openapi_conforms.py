"""Validates recorded API responses against the OpenAPI document's schemas.

Usage: python openapi_conforms.py DOCUMENT SAMPLES
SAMPLES is a JSON list of {"method", "path", "status", "body"}; "path" is
the route template. Each body is validated (JSON Schema 2020-12) against
the schema the document gives for that operation and status (or its 4XX /
5XX range). Prints one line per sample that fails, then a summary line;
exits 1 if any failed or a sample has no documented schema.
"""

import json
import sys

from jsonschema import Draft202012Validator


def pointer(*parts):
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def main():
    doc = json.load(open(sys.argv[1]))
    samples = json.load(open(sys.argv[2]))
    failed = 0
    for s in samples:
        method, path, status = s["method"].lower(), s["path"], str(s["status"])
        responses = doc["paths"].get(path, {}).get(method, {}).get("responses", {})
        key = status if status in responses else status[0] + "XX"
        response = responses.get(key)
        if response is None:
            print(f"UNDOCUMENTED {method.upper()} {path} {status}")
            failed += 1
            continue
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[1]
            ref = pointer("components", "responses", name, "content", "application/json", "schema")
        else:
            ref = pointer("paths", path, method, "responses", key, "content", "application/json", "schema")
        # The whole document is the root schema, so `#/components/...`
        # references resolve inside it; only `$ref` is applied.
        schema = dict(doc)
        schema["$ref"] = ref
        errors = sorted(Draft202012Validator(schema).iter_errors(s["body"]), key=str)
        if errors:
            failed += 1
            first = errors[0]
            at = "/".join(str(p) for p in first.absolute_path)
            print(f"MISMATCH {method.upper()} {path} {status} at /{at}: {first.message[:300]}")
    print(f"checked {len(samples)} responses, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
