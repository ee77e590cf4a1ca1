"""Builders for riposte configurations (dicts, written out as JSON)."""

from .paths import plugin_dir

SOURCE_PATH = "/sns/guardduty"


def make_config(port, rules, sources=None, limits=None, workers=1):
    """A complete riposte configuration (a dict, written out as JSON)."""
    listen = {"address": "127.0.0.1", "port": port}
    if limits:
        listen["limits"] = limits
    config = {
        "listen": listen,
        "workers": workers,
        "plugin_dir": str(plugin_dir()),
        "plugins": [{"name": "http"}],
        "credentials": {},
        "sources": sources if sources is not None else [sns_source()],
        "rules": rules,
    }
    return config


def sns_source(name="guardduty", path=SOURCE_PATH, **settings):
    source = {"name": name, "type": "sns", "path": path, "insecure_skip_verify": True}
    source.update(settings)
    return source


def http_step(step_id, url, body, **extra):
    step = {
        "id": step_id,
        "uses": "http.request",
        "timeout": 10,
        "with": {"url": url, "method": "POST", "body": body},
    }
    step.update(extra)
    return step


def rule(name, pattern, steps, source="guardduty", **extra):
    found = {"name": name, "source": source, "pattern": pattern, "steps": steps}
    found.update(extra)
    return found


def detail_type_pattern(detail_type):
    return {"source": ["aws.guardduty"], "detail": {"type": [detail_type]}}
