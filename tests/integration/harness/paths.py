"""Where things are: the binary, its plugins, the corpus; and the common timeouts."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

# Generous, because the binary under test is usually built with sanitizers and
# CI machines are small; every wait polls, so a fast run stays fast.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
DELIVERY_TIMEOUT = 15.0


def riposte_bin():
    return Path(os.environ.get("RIPOSTE_BIN", REPO_ROOT / "build-test" / "riposte"))


def plugin_dir():
    return Path(os.environ.get("RIPOSTE_PLUGIN_DIR", REPO_ROOT / "build-test" / "plugins"))


def corpus_dir():
    return Path(os.environ.get("RIPOSTE_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))


def guardduty_event_files():
    return sorted((corpus_dir() / "guardduty" / "eventbridge").glob("*.json"))
