"""A throwaway certificate authority, made with the openssl CLI."""

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TestCA:
    ca_cert: Path
    ca_key: Path
    cert: Path  # leaf for 127.0.0.1 and localhost, signed by the CA
    key: Path

    __test__ = False  # not a test class, whatever its name says

    def client_context(self):
        return ssl.create_default_context(cafile=str(self.ca_cert))


def make_test_ca(directory):
    """A throwaway CA and a server certificate for IP:127.0.0.1, made with the openssl CLI."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = TestCA(
        directory / "ca.pem", directory / "ca.key", directory / "leaf.pem", directory / "leaf.key"
    )
    ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        ["req", "-x509", *ec_key, "-days", "2", "-subj", "/CN=riposte integration test CA"],
        ["-keyout", ca.ca_key, "-out", ca.ca_cert],
        ["-addext", "basicConstraints=critical,CA:TRUE"],
        ["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    )
    csr = directory / "leaf.csr"
    openssl(["req", "-new", *ec_key, "-subj", "/CN=127.0.0.1", "-keyout", ca.key, "-out", csr])
    extensions = directory / "leaf.ext"
    extensions.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    openssl(
        ["x509", "-req", "-in", csr, "-days", "2", "-extfile", extensions],
        ["-CA", ca.ca_cert, "-CAkey", ca.ca_key, "-CAcreateserial", "-out", ca.cert],
    )
    return ca


def openssl(*groups):
    args = [str(arg) for group in groups for arg in group]
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], result.stderr))
