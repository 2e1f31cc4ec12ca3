#!/usr/bin/python3
"""Reads one email message (a file) with Python's standard email package, as a mail client
would, and prints what it found as JSON: decoded headers, the date, every leaf part with its
decoded content, and every defect the parser noticed. The email sink's tests check the
messages sanctwatch writes with it."""
import email.parser
import email.policy
import email.utils
import json
import sys

with open(sys.argv[1], "rb") as f:
    raw = f.read()
msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
out = {"headers": {}, "parts": [], "defects": [str(d) for d in msg.defects]}
for name in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
             "MIME-Version", "Content-Type", "Auto-Submitted"):
    if msg[name] is not None:
        out["headers"][name] = str(msg[name])
if msg["To"] is not None:
    out["to"] = [a.addr_spec for a in msg["To"].addresses]
    out["to_names"] = [a.display_name for a in msg["To"].addresses]
if msg["From"] is not None:
    out["from"] = [a.addr_spec for a in msg["From"].addresses]
    out["from_names"] = [a.display_name for a in msg["From"].addresses]
if msg["Date"] is not None:
    out["date"] = email.utils.parsedate_to_datetime(str(msg["Date"])).isoformat()
out["content_type"] = msg.get_content_type()
for part in msg.walk():
    out["defects"] += [str(d) for d in part.defects]
    if part.is_multipart():
        continue
    out["parts"].append({"type": part.get_content_type(),
                         "charset": part.get_content_charset(),
                         "encoding": part["Content-Transfer-Encoding"],
                         # CRLF on the wire; a client shows line breaks
                         "content": part.get_content().replace("\r\n", "\n")})
json.dump(out, sys.stdout)
