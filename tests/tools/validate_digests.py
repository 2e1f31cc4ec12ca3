"""Validates digest documents (JSON lines) against docs/digest.schema.json, whose alerts refer
to docs/alert.schema.json, and what a schema cannot say: alerts_total counts the alerts, each
alert is listed once, most severe first, and the digest's severity is the highest of theirs.
Prints one line per problem; exit 1 when there is any.

usage: /usr/bin/python3 validate_digests.py DIGEST.schema.json ALERT.schema.json DIGESTS.jsonl
"""
import json
import sys

import jsonschema

LEVELS = ["info", "low", "medium", "high", "critical"]


def validator(digest_schema, alert_schema):
    jsonschema.Draft202012Validator.check_schema(digest_schema)
    try:  # jsonschema >= 4.18
        import referencing
        resource = referencing.Resource.from_contents(alert_schema)
        registry = referencing.Registry().with_resource(alert_schema["$id"], resource)
        return jsonschema.Draft202012Validator(digest_schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(
            digest_schema, store={alert_schema["$id"]: alert_schema})
        return jsonschema.Draft202012Validator(digest_schema, resolver=resolver)


def main() -> int:
    v = validator(json.load(open(sys.argv[1], encoding="utf-8")),
                  json.load(open(sys.argv[2], encoding="utf-8")))
    problems = 0
    lines = 0
    for n, line in enumerate(open(sys.argv[3], encoding="utf-8"), 1):
        if not line.strip():
            continue
        lines += 1
        doc = json.loads(line)
        for e in v.iter_errors(doc):
            print(f"line {n}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            problems += 1
        alerts = doc.get("alerts", [])
        ids = [a.get("alert", {}).get("id") for a in alerts]
        levels = [LEVELS.index(a.get("alert", {}).get("severity", "info")) for a in alerts]
        if doc.get("alerts_total") != len(alerts):
            print(f"line {n}: alerts_total {doc.get('alerts_total')} for {len(alerts)} alerts")
            problems += 1
        if len(set(ids)) != len(ids):
            print(f"line {n}: an alert listed twice: {ids}")
            problems += 1
        if levels != sorted(levels, reverse=True):
            print(f"line {n}: alerts not most severe first")
            problems += 1
        if levels and LEVELS[max(levels)] != doc.get("severity"):
            print(f"line {n}: severity {doc.get('severity')}, not the highest of its alerts'")
            problems += 1
    print(f"{lines} documents, {problems} problems")
    return 1 if problems or not lines else 0


if __name__ == "__main__":
    sys.exit(main())
