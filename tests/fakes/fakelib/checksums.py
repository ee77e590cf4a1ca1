"""The payload checksums S3 accepts: Content-MD5 and the x-amz-checksum-* family.

CRC32C and CRC64NVME are not in the standard library, so they are computed
here from their reflected polynomials (slow, but the bodies are tiny).
"""

import base64
import hashlib
import zlib


def _reflected_table(poly, width):
    mask = (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc & mask)
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def _reflected_crc(data, table, width):
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return (crc ^ mask).to_bytes(width // 8, "big")


def crc32c(data):
    return _reflected_crc(data, _CRC32C_TABLE, 32)


def crc64nvme(data):
    return _reflected_crc(data, _CRC64NVME_TABLE, 64)


def crc32(data):
    return zlib.crc32(data).to_bytes(4, "big")


# x-amz-checksum-<name> -> (the name S3 uses in messages, digest function)
ALGORITHMS = {
    "crc32": ("CRC32", crc32),
    "crc32c": ("CRC32C", crc32c),
    "crc64nvme": ("CRC64NVME", crc64nvme),
    "sha1": ("SHA1", lambda data: hashlib.sha1(data).digest()),
    "sha256": ("SHA256", lambda data: hashlib.sha256(data).digest()),
}


def b64(digest):
    return base64.b64encode(digest).decode("ascii")


def decode_b64(text):
    """The bytes of a strict base64 value, or None when it is not one."""
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError):
        return None


def md5(data):
    return hashlib.md5(data).digest()
