"""Validates alert documents (JSON lines) against docs/alert.schema.json, and what a schema
cannot say: every evidence mark's byte range of `text` is its `term`, and revisions are
numbered like their type. Prints one line per problem; exit 1 when there is any.

usage: /usr/bin/python3 validate_alerts.py SCHEMA.json ALERTS.jsonl
       /usr/bin/python3 validate_alerts.py SCHEMA.json --markdown DOC.md
(the second form checks the alert documents a Markdown page shows in its ```json blocks)
"""
import json
import sys

import jsonschema


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = 0
    lines = 0
    if sys.argv[2] == "--markdown":
        import re
        text = open(sys.argv[3], encoding="utf-8").read()
        docs = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
        docs = [json.dumps(d) for d in docs
                if isinstance(d, dict) and str(d.get("schema", "")).startswith("sanctwatch.alert/")]
    else:
        docs = open(sys.argv[2], encoding="utf-8").read().splitlines()
    for n, line in enumerate(docs, 1):
        if not line.strip():
            continue
        lines += 1
        doc = json.loads(line)
        for e in validator.iter_errors(doc):
            print(f"line {n}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            problems += 1
        for i, ev in enumerate(doc.get("evidence", [])):
            raw = ev.get("text", "").encode("utf-8")
            for m in ev.get("marks", []):
                got = raw[m["start"]:m["end"]].decode("utf-8", errors="replace")
                if got != m["term"]:
                    print(f"line {n}: evidence/{i}: mark {m['start']}-{m['end']} is {got!r}, "
                          f"not {m['term']!r}")
                    problems += 1
        if (doc.get("revision") == 0) != (doc.get("type") == "alert.created"):
            print(f"line {n}: revision {doc.get('revision')} with type {doc.get('type')}")
            problems += 1
    print(f"{lines} documents, {problems} problems")
    return 1 if problems or not lines else 0


if __name__ == "__main__":
    sys.exit(main())
