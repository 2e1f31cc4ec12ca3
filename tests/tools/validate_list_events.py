"""Validates list events (JSON lines) against docs/list-event.schema.json, and what a schema
cannot say: ids are unique and each type has its severity. Lines of other documents (alerts,
in a jsonl file that takes both) are skipped. Prints one line per problem; exit 1 when there
is any, or no list event at all.

usage: /usr/bin/python3 validate_list_events.py SCHEMA.json EVENTS.jsonl
"""
import json
import sys

import jsonschema

SEVERITY = {"list.added": "high", "list.changed": "medium", "list.removed": "low"}


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = 0
    events = 0
    ids = set()
    for n, line in enumerate(open(sys.argv[2], encoding="utf-8").read().splitlines(), 1):
        if not line.strip():
            continue
        doc = json.loads(line)
        if not str(doc.get("schema", "")).startswith("sanctwatch.list-event/"):
            continue
        events += 1
        for e in validator.iter_errors(doc):
            print(f"line {n}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            problems += 1
        if doc.get("id") in ids:
            print(f"line {n}: id {doc.get('id')} repeated")
            problems += 1
        ids.add(doc.get("id"))
        if SEVERITY.get(doc.get("type")) != doc.get("severity"):
            print(f"line {n}: {doc.get('type')} with severity {doc.get('severity')}")
            problems += 1
    print(f"{events} list events, {problems} problems")
    return 1 if problems or not events else 0


if __name__ == "__main__":
    sys.exit(main())
