#!/bin/bash
# Wraps an EventBridge event file in an SNS Notification, as SNS delivers it,
# and POSTs it to riposte. Usage: send-finding.sh EVENT.json [URL]
set -euo pipefail
event=${1:?usage: send-finding.sh EVENT.json [URL]}
url=${2:-http://127.0.0.1:8080/sns/guardduty}

body=$(python3 - "$event" <<'PY'
import json, sys, uuid, datetime
event = json.load(open(sys.argv[1]))
region = event.get("region", "us-east-1")
now = datetime.datetime.now(datetime.timezone.utc)
print(json.dumps({
    "Type": "Notification",
    "MessageId": str(uuid.uuid4()),
    "TopicArn": f"arn:aws:sns:{region}:{event.get('account', '123456789012')}:guardduty-findings",
    "Message": json.dumps(event),
    "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
    "SignatureVersion": "1",
    "Signature": "",
    "SigningCertURL": "",
    "UnsubscribeURL": "",
}, indent=2))
PY
)
curl -sS -w '\nHTTP %{http_code}\n' -X POST "$url" \
    -H 'Content-Type: text/plain; charset=UTF-8' \
    -H 'x-amz-sns-message-type: Notification' \
    --data-binary "$body"
