# Reads each .eml named on the command line with Python's email package
# (policy=email.policy.default, the modern API that decodes RFC 2047 and
# RFC 2231) and prints one JSON object per message: what a Python-based
# mail client or archive would show.
import email
import email.policy
import json
import sys

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    names = []
    for part in msg.walk():
        name = part.get_filename()
        if name:
            names.append(str(name))
    print(json.dumps({
        "file": path,
        "subject": str(msg.get("subject", "")),
        "from": str(msg.get("from", "")),
        "message_id": str(msg.get("message-id", "")).strip(),
        "in_reply_to": str(msg.get("in-reply-to", "")).strip(),
        "attachments": names,
        "defects": [type(d).__name__ for p in msg.walk() for d in p.defects],
    }, ensure_ascii=False))
