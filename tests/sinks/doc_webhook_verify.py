#!/usr/bin/python3
"""Runs the receiver's verification example of docs/alerts.md (its ```python block) on a
request the webhook sink really sent. argv: DOC HEADERS.json BODY SECRET WRONG_SECRET.
Prints one word per check: the request verifies with SECRET, not with WRONG_SECRET, not with
an altered body, not when replayed an hour later."""
import json
import re
import sys
import time

doc, headers_path, body_path, secret, wrong = sys.argv[1:6]
code = re.search(r"```python\n(.*?)```", open(doc, encoding="utf-8").read(), re.S).group(1)
scope = {}
exec(code, scope)
verify = scope["verify"]
headers = json.load(open(headers_path))
body = open(body_path, "rb").read()
print("good" if verify(secret, headers, body) else "bad")
print("good" if verify(wrong, headers, body) else "bad")
print("good" if verify(secret, headers, body + b" ") else "bad")
real_time = time.time
time.time = lambda: real_time() + 3600
print("good" if verify(secret, headers, body) else "bad")
