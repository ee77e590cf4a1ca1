"""Scripted failures: "the next N calls that match answer this instead".

Each fake decides what a rule matches on and what its answer looks like; this
keeps the rules in order, counts them down and is safe across threads.
"""

import threading


class FaultList:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def add(self, match, answer, count):
        """match: dict the fake's predicate understands; answer: what to send."""
        with self._lock:
            self._rules.append({"match": match, "answer": answer, "left": count})

    def take(self, matches):
        """The answer of the oldest live rule that `matches(rule_match)`, or None."""
        with self._lock:
            for rule in self._rules:
                if rule["left"] > 0 and matches(rule["match"]):
                    rule["left"] -= 1
                    return rule["answer"]
            self._rules = [rule for rule in self._rules if rule["left"] > 0]
            return None

    def clear(self):
        with self._lock:
            self._rules = []

    def snapshot(self):
        with self._lock:
            return [dict(rule) for rule in self._rules if rule["left"] > 0]
