#!/usr/bin/env python3
"""A test PKI and signer for SNS HTTP(S) messages, signed exactly as SNS signs them.

It makes a test CA, signing certificates that carry the names the real ones
do (CN and DNS SAN sns.amazonaws.com), and SNS envelopes of the three types
signed with SignatureVersion 1 (RSA PKCS#1 v1.5, SHA1) or 2 (SHA256).

Library (python3-cryptography):

    import sns_signer as s
    ca = s.make_ca(tmp)                          # ca.cert_path goes in trusted_ca_files
    leaf = s.make_cert(tmp, ca)                  # serve leaf.cert_pem at leaf.url_path
    env = s.make_envelope("Notification", "arn:aws:sns:us-east-1:123456789012:t",
                          "https://sns.us-east-1.amazonaws.com" + leaf.url_path,
                          message='{"detail": {}}')
    signed = s.sign(env, leaf, version=2)        # a new dict; env is left alone
    assert s.verify(signed, leaf)

    inter = s.make_ca(tmp, "test intermediate", issuer=ca, stem="inter")
    server = s.make_cert(tmp, ca, cn="localhost", ip_san=("127.0.0.1",),
                         stem="server")          # a TLS server certificate

Times (not_before, not_after, timestamp) are datetimes, unix seconds or ISO 8601 strings.

Command line (paths and names are printed as JSON):

    sns_signer.py ca DIR [--name NAME] [--issuer-dir DIR] [--stem STEM] [--days N]
    sns_signer.py cert DIR --ca-dir DIR [--ca-stem ca] [--cn NAME] [--san NAME]... [--ip IP]...
                  [--not-before T] [--not-after T] [--bits N] [--issuer-url URL] [--stem STEM]
    sns_signer.py envelope TYPE TOPIC_ARN CERT_URL [--message TEXT] [--subject TEXT]
                  [--timestamp T] [--message-id ID] [--token T] [--subscribe-url URL]
    sns_signer.py sign KEY_FILE [--version 1|2] [--digest sha1|sha256] [--envelope FILE]
    sns_signer.py verify CERT_FILE [--envelope FILE]     (exit status 0 when it verifies)

sign and verify read the envelope from stdin without --envelope; sign and
envelope write the envelope to stdout.
"""

import argparse
import base64
import datetime
import ipaddress
import json
import os
import secrets
import sys
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
DIGESTS = {"1": "sha1", "2": "sha256"}

# The order SNS writes an envelope's keys in.
_KEY_ORDER = ("Type", "MessageId", "Token", "TopicArn", "Subject", "Message", "SubscribeURL",
              "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL")


@dataclass
class Issued:
    """A certificate with its key, written as STEM.pem and STEM.key in a directory."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    cert_path: str
    key_path: str

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def url_path(self) -> str:
        """Where SNS would serve it: /STEM.pem."""
        return "/" + os.path.basename(self.cert_path)


def _time(value, default):
    if value is None:
        return default
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _write(directory, stem, cert, key) -> Issued:
    os.makedirs(directory, exist_ok=True)
    issued = Issued(cert, key, os.path.join(directory, stem + ".pem"),
                    os.path.join(directory, stem + ".key"))
    with open(issued.cert_path, "wb") as f:
        f.write(issued.cert_pem)
    with open(issued.key_path, "wb") as f:
        f.write(issued.key_pem)
    return issued


def _builder(subject, issuer, public_key, not_before, not_after):
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _with_issuer_url(builder, issuer_url):
    if issuer_url is None:
        return builder
    access = x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                    x509.UniformResourceIdentifier(issuer_url))
    return builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)


def make_ca(directory, name="riposte test SNS root CA", *, issuer: Issued = None, stem="ca",
            not_before=None, not_after=None, issuer_url=None, bits=2048) -> Issued:
    """A self-signed root CA, or an intermediate CA when issuer (an Issued CA) is given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "riposte tests"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key = issuer.key if issuer else key
    builder = _builder(subject, issuer.cert.subject if issuer else subject, key.public_key(),
                       _time(not_before, _now() - datetime.timedelta(days=1)),
                       _time(not_after, _now() + datetime.timedelta(days=3650)))
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0 if issuer else 1),
                                    critical=True)
    builder = builder.add_extension(
        x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False)
    builder = _with_issuer_url(builder, issuer_url)
    return _write(directory, stem, builder.sign(signer_key, hashes.SHA256()), key)


def make_cert(directory, ca: Issued, cn="sns.amazonaws.com", san=None, *,
              ip_san=(), not_before=None, not_after=None, bits=2048, issuer_url=None,
              stem=None) -> Issued:
    """A leaf certificate issued by ca: by default an SNS signing certificate
    valid from a day ago for 30 days, stored as SimpleNotificationService-<hex>.pem.
    san (DNS names) defaults to (cn,); pass () for none."""
    san = (cn,) if san is None else san
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = _builder(subject, ca.cert.subject, key.public_key(),
                       _time(not_before, _now() - datetime.timedelta(days=1)),
                       _time(not_after, _now() + datetime.timedelta(days=30)))
    names = [x509.DNSName(n) for n in san] + [x509.IPAddress(ipaddress.ip_address(a))
                                              for a in ip_san]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    builder = (builder
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                            key_encipherment=True, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                     ExtendedKeyUsageOID.CLIENT_AUTH]),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca.key.public_key()), critical=False))
    builder = _with_issuer_url(builder, issuer_url)
    stem = stem or "SimpleNotificationService-" + secrets.token_hex(16)
    return _write(directory, stem, builder.sign(ca.key, hashes.SHA256()), key)


def timestamp(when=None) -> str:
    """SNS's Timestamp format: 2026-03-06T19:55:38.903Z."""
    t = _time(when, _now()).astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def _ordered(envelope) -> dict:
    known = {k: envelope[k] for k in _KEY_ORDER if k in envelope}
    known.update({k: v for k, v in envelope.items() if k not in known})
    return known


def make_envelope(type_, topic_arn, cert_url, *, message=None, subject=None, when=None,
                  message_id=None, token=None, subscribe_url=None) -> dict:
    """An unsigned envelope of type_ (one of TYPES), with SNS's defaults for what is not given."""
    if type_ not in TYPES:
        raise ValueError("unknown SNS message type %r" % type_)
    region = topic_arn.split(":")[3]
    endpoint = "https://sns.%s.amazonaws.com/" % region
    env = {"Type": type_, "MessageId": message_id or str(uuid.uuid4()), "TopicArn": topic_arn,
           "Timestamp": timestamp(when), "SignatureVersion": "1", "Signature": "",
           "SigningCertURL": cert_url}
    if type_ == "Notification":
        env["Message"] = message if message is not None else "{}"
        if subject is not None:
            env["Subject"] = subject
        env["UnsubscribeURL"] = (endpoint + "?Action=Unsubscribe&SubscriptionArn=" + topic_arn
                                 + ":" + str(uuid.uuid4()))
    else:
        env["Token"] = token or secrets.token_hex(64)
        if message is None and type_ == "SubscriptionConfirmation":
            message = ("You have chosen to subscribe to the topic %s.\nTo confirm the "
                       "subscription, visit the SubscribeURL included in this message." % topic_arn)
        elif message is None:
            message = ("You have chosen to deactivate subscription %s.\nTo cancel this operation "
                       "and restore the subscription, visit the SubscribeURL included in this "
                       "message." % topic_arn)
        env["Message"] = message
        env["SubscribeURL"] = subscribe_url or (
            endpoint + "?Action=ConfirmSubscription&TopicArn=" + topic_arn + "&Token="
            + env["Token"])
    return _ordered(env)


def string_to_sign(envelope) -> str:
    """What SNS signs: "Key\\nvalue\\n" for each signed key present, in SNS's order."""
    type_ = envelope.get("Type")
    if type_ == "Notification":
        keys = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    elif type_ in TYPES:
        keys = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
    else:
        raise ValueError("unknown SNS message type %r" % type_)
    parts = []
    for key in keys:
        value = envelope.get(key)
        if value is None and key == "Subject":
            continue
        if value is None:
            raise ValueError("the envelope lacks %s, which SNS signs" % key)
        parts.append("%s\n%s\n" % (key, value))
    return "".join(parts)


def _hash(name):
    return {"sha1": hashes.SHA1(), "sha256": hashes.SHA256()}[name]


def _private_key(key):
    if isinstance(key, Issued):
        return key.key
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    if isinstance(key, str) and os.path.exists(key):
        with open(key, "rb") as f:
            key = f.read()
    if isinstance(key, str):
        key = key.encode()
    return serialization.load_pem_private_key(key, password=None)


def sign(envelope, key, version="1", *, digest=None) -> dict:
    """A copy of envelope signed with key (an Issued, a private key, PEM or a PEM file's path).
    digest ("sha1" or "sha256") overrides the one version calls for, to make mismatches."""
    version = str(version)
    env = dict(envelope)
    env["SignatureVersion"] = version
    env.pop("Signature", None)
    signature = _private_key(key).sign(string_to_sign(env).encode(), padding.PKCS1v15(),
                                       _hash(digest or DIGESTS.get(version, "sha256")))
    env["Signature"] = base64.b64encode(signature).decode()
    return _ordered(env)


def verify(envelope, cert) -> bool:
    """Whether envelope's signature is good for cert (an Issued, a certificate, PEM or a path)."""
    if isinstance(cert, Issued):
        cert = cert.cert
    if isinstance(cert, str) and os.path.exists(cert):
        with open(cert, "rb") as f:
            cert = f.read()
    if isinstance(cert, (str, bytes)):
        cert = x509.load_pem_x509_certificate(cert.encode() if isinstance(cert, str) else cert)
    digest = DIGESTS.get(str(envelope.get("SignatureVersion")))
    if digest is None:
        return False
    try:
        cert.public_key().verify(base64.b64decode(envelope["Signature"], validate=True),
                                 string_to_sign(envelope).encode(), padding.PKCS1v15(),
                                 _hash(digest))
    except (InvalidSignature, ValueError, KeyError):
        return False
    return True


def _load_ca(directory, stem) -> Issued:
    with open(os.path.join(directory, stem + ".pem"), "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    key = _private_key(os.path.join(directory, stem + ".key"))
    return Issued(cert, key, os.path.join(directory, stem + ".pem"),
                  os.path.join(directory, stem + ".key"))


def _read_envelope(path):
    if path in (None, "-"):
        return json.load(sys.stdin)
    with open(path) as f:
        return json.load(f)


def _describe(issued: Issued):
    return {"cert": issued.cert_path, "key": issued.key_path, "url_path": issued.url_path}


def _main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("ca")
    c.add_argument("dir")
    c.add_argument("--name", default="riposte test SNS root CA")
    c.add_argument("--issuer-dir")
    c.add_argument("--issuer-stem", default="ca")
    c.add_argument("--stem", default="ca")
    c.add_argument("--days", type=int, default=3650)
    c.add_argument("--issuer-url")
    c = sub.add_parser("cert")
    c.add_argument("dir")
    c.add_argument("--ca-dir", required=True)
    c.add_argument("--ca-stem", default="ca")
    c.add_argument("--cn", default="sns.amazonaws.com")
    c.add_argument("--san", action="append")
    c.add_argument("--ip", action="append", default=[])
    c.add_argument("--not-before")
    c.add_argument("--not-after")
    c.add_argument("--bits", type=int, default=2048)
    c.add_argument("--issuer-url")
    c.add_argument("--stem")
    c = sub.add_parser("envelope")
    c.add_argument("type", choices=TYPES)
    c.add_argument("topic_arn")
    c.add_argument("cert_url")
    c.add_argument("--message")
    c.add_argument("--subject")
    c.add_argument("--timestamp")
    c.add_argument("--message-id")
    c.add_argument("--token")
    c.add_argument("--subscribe-url")
    c = sub.add_parser("sign")
    c.add_argument("key")
    c.add_argument("--envelope")
    c.add_argument("--version", default="1")
    c.add_argument("--digest", choices=("sha1", "sha256"))
    c = sub.add_parser("verify")
    c.add_argument("cert")
    c.add_argument("--envelope")
    a = p.parse_args(argv)

    if a.command == "ca":
        issuer = _load_ca(a.issuer_dir, a.issuer_stem) if a.issuer_dir else None
        issued = make_ca(a.dir, a.name, issuer=issuer, stem=a.stem, issuer_url=a.issuer_url,
                         not_after=_now() + datetime.timedelta(days=a.days))
        print(json.dumps(_describe(issued)))
    elif a.command == "cert":
        issued = make_cert(a.dir, _load_ca(a.ca_dir, a.ca_stem), a.cn, a.san, ip_san=a.ip,
                           not_before=a.not_before, not_after=a.not_after, bits=a.bits,
                           issuer_url=a.issuer_url, stem=a.stem)
        print(json.dumps(_describe(issued)))
    elif a.command == "envelope":
        env = make_envelope(a.type, a.topic_arn, a.cert_url, message=a.message,
                            subject=a.subject, when=a.timestamp, message_id=a.message_id,
                            token=a.token, subscribe_url=a.subscribe_url)
        print(json.dumps(env, indent=2))
    elif a.command == "sign":
        print(json.dumps(sign(_read_envelope(a.envelope), a.key, a.version, digest=a.digest),
                         indent=2))
    else:
        ok = verify(_read_envelope(a.envelope), a.cert)
        print("verified" if ok else "not verified")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
