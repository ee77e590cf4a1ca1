"""SNS as it speaks to an HTTP endpoint: envelopes, headers, raw delivery."""

import base64
import datetime
import json
import os
import uuid

from .httpio import http_request


def sns_timestamp(when=None):
    """SNS's Timestamp format, e.g. 2026-12-03T16:51:12.123Z."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def topic_arn(region, account, name="guardduty-findings"):
    return "arn:aws:sns:%s:%s:%s" % (region, account, name)


def topic_arn_for(event):
    return topic_arn(event.get("region", "us-east-1"), event.get("account", "123456789012"))


def sns_envelope(event=None, msg_type="Notification", arn=None, subscribe_url=None):
    """An SNS HTTP body; a Notification's Message is json.dumps(event)."""
    arn = arn or topic_arn_for(event or {})
    region = arn.split(":")[3]
    endpoint = "https://sns.%s.amazonaws.com" % region
    envelope = {"Type": msg_type, "MessageId": str(uuid.uuid4())}
    if msg_type != "Notification":
        envelope["Token"] = os.urandom(64).hex()
    envelope["TopicArn"] = arn
    if event is not None:
        envelope["Message"] = json.dumps(event)
    else:
        envelope["Message"] = "You have chosen to subscribe to the topic %s." % arn
    if subscribe_url is not None:
        envelope["SubscribeURL"] = subscribe_url
    envelope["Timestamp"] = sns_timestamp()
    envelope["SignatureVersion"] = "1"
    envelope["Signature"] = base64.b64encode(os.urandom(256)).decode()
    envelope["SigningCertURL"] = "%s/SimpleNotificationService-%s.pem" % (
        endpoint,
        uuid.uuid4().hex,
    )
    if msg_type == "Notification":
        subscription = "%s:%s" % (arn, uuid.uuid4())
        envelope["UnsubscribeURL"] = "%s/?Action=Unsubscribe&SubscriptionArn=%s" % (
            endpoint,
            subscription,
        )
    return envelope


def sns_headers(envelope):
    """The headers SNS sends with an envelope; a field missing from it is left out."""

    def text(key, default=""):
        value = envelope.get(key, default)
        return value if isinstance(value, str) else default

    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": text("Type", "Notification"),
        "x-amz-sns-message-id": text("MessageId"),
        "x-amz-sns-topic-arn": text("TopicArn"),
    }
    if headers["x-amz-sns-message-type"] == "Notification" and text("TopicArn"):
        headers["x-amz-sns-subscription-arn"] = text("TopicArn") + ":" + str(uuid.uuid4())
    return {name: value for name, value in headers.items() if value}


def post_sns(base_url, path, envelope, headers=None, body=None):
    """POSTs an envelope as SNS does; `body` replaces the serialized envelope (malformed tests)."""
    sent = sns_headers(envelope)
    sent.update(headers or {})
    if body is None:
        body = json.dumps(envelope, indent=2)
    return http_request("POST", base_url + path, body=body, headers=sent)


def post_raw_event(base_url, path, event, arn=None):
    """Raw message delivery: the body is the event itself."""
    arn = arn or topic_arn_for(event)
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": str(uuid.uuid4()),
        "x-amz-sns-topic-arn": arn,
        "x-amz-sns-subscription-arn": arn + ":" + str(uuid.uuid4()),
        "x-amz-sns-rawdelivery": "true",
    }
    return http_request("POST", base_url + path, body=json.dumps(event), headers=headers)


def small_event(detail_type, region="us-east-2", account="123456789012", **detail):
    """A minimal GuardDuty EventBridge event, for tests that need a small body."""
    body = {
        "schemaVersion": "2.0",
        "accountId": account,
        "region": region,
        "id": uuid.uuid4().hex,
        "type": detail_type,
        "severity": 5,
    }
    body.update(detail)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": account,
        "time": "2026-12-03T16:51:12Z",
        "region": region,
        "resources": [],
        "detail": body,
    }
