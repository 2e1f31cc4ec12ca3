#!/usr/bin/python3
"""Every rule file the docs show (a ```yaml block with `rules:`, or a shell here-document
`<<'YAML'` holding one, as in the README) loads beside the default rules' lists
(rules/lists.yaml) and its inline tests pass: the examples do what the text says.
argv: BINARY LISTS_YAML DOC..."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, lists, docs = sys.argv[1], sys.argv[2], sys.argv[3:]
blocks = []
failures = []
for doc in docs:
    text = open(doc, encoding="utf-8").read()
    found = re.findall(r"```yaml\n(.*?)```", text, re.S) + re.findall(r"<<'YAML'\n(.*?\n)YAML\n", text, re.S)
    found = [b for b in found if re.search(r"^rules:\s*\n\s*- id:", b, re.M)]  # not a config
    if not found:
        failures.append("no rule files in " + doc)
    blocks += found
for n, block in enumerate(blocks, 1):
    d = tempfile.mkdtemp(prefix="sanctwatch-doc-")
    try:
        shutil.copy(lists, os.path.join(d, "lists.yaml"))
        with open(os.path.join(d, "example.yaml"), "w", encoding="utf-8") as f:
            f.write(block)
        r = subprocess.run([binary, "check", "--rules", d], capture_output=True, text=True)
        tests = re.search(r"(\d+) tests: (\d+) passed, (\d+) failed", r.stdout + r.stderr)
        if r.returncode != 0 or not tests or tests.group(3) != "0" or tests.group(1) == "0":
            failures.append("example %d:\n%s%s" % (n, r.stdout, r.stderr))
        else:
            print("example %d: %s tests passed" % (n, tests.group(1)))
    finally:
        shutil.rmtree(d, ignore_errors=True)
for f in failures:
    print("FAIL: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
