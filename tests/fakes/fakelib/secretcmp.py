"""Comparing secrets (tokens, signatures, passwords) without leaking timing."""

import hmac


def same_secret(given, expected):
    """Constant-time comparison that also copes with non-ASCII input."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
