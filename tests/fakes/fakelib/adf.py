"""Atlassian Document Format: the rich-text JSON that Jira Cloud's REST v3 wants
for descriptions, comment bodies and rich-text custom fields.

check() follows the published ADF structure closely enough to catch what a
client gets wrong in practice: a string instead of a document, a wrong
version, unknown node or mark types, text outside a paragraph, empty text
nodes, missing required attributes, block nodes where inline ones belong.
"""

INLINE = "inline"
BLOCK = "block"

# type -> (kind, allowed child types or None for a leaf, required attrs)
_BLOCK_CHILDREN = {
    "paragraph",
    "heading",
    "bulletList",
    "orderedList",
    "codeBlock",
    "blockquote",
    "rule",
    "panel",
    "table",
    "mediaSingle",
    "mediaGroup",
    "expand",
}
_INLINE_CHILDREN = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"}
_LIST_ITEM_CHILDREN = {"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle"}
_CELL_CHILDREN = _BLOCK_CHILDREN - {"table", "expand"}

NODES = {
    "paragraph": (BLOCK, _INLINE_CHILDREN, ()),
    "heading": (BLOCK, _INLINE_CHILDREN, ("level",)),
    "bulletList": (BLOCK, {"listItem"}, ()),
    "orderedList": (BLOCK, {"listItem"}, ()),
    "listItem": ("listItem", _LIST_ITEM_CHILDREN, ()),
    "codeBlock": (BLOCK, {"text"}, ()),
    "blockquote": (BLOCK, {"paragraph", "bulletList", "orderedList", "codeBlock"}, ()),
    "rule": (BLOCK, None, ()),
    "panel": (BLOCK, {"paragraph", "heading", "bulletList", "orderedList"}, ("panelType",)),
    "expand": (BLOCK, _CELL_CHILDREN, ()),
    "table": (BLOCK, {"tableRow"}, ()),
    "tableRow": ("tableRow", {"tableHeader", "tableCell"}, ()),
    "tableHeader": ("cell", _CELL_CHILDREN, ()),
    "tableCell": ("cell", _CELL_CHILDREN, ()),
    "mediaSingle": (BLOCK, {"media"}, ()),
    "mediaGroup": (BLOCK, {"media"}, ()),
    "media": ("media", None, ("id", "type")),
    "text": (INLINE, None, ()),
    "hardBreak": (INLINE, None, ()),
    "mention": (INLINE, None, ("id",)),
    "emoji": (INLINE, None, ("shortName",)),
    "inlineCard": (INLINE, None, ()),
    "date": (INLINE, None, ("timestamp",)),
    "status": (INLINE, None, ("text", "color")),
}
MARKS = {
    "strong": (),
    "em": (),
    "code": (),
    "strike": (),
    "underline": (),
    "link": ("href",),
    "subsup": ("type",),
    "textColor": ("color",),
}
PANEL_TYPES = {"info", "note", "tip", "warning", "error", "success", "custom"}
MAX_DEPTH = 32


class InvalidDocument(ValueError):
    """Not a valid ADF document; the text says where and why."""


def is_document(value):
    """Whether a value even claims to be an ADF document (Jira's first check)."""
    return isinstance(value, dict) and value.get("type") == "doc"


def check(value):
    """Raises InvalidDocument unless `value` is a valid ADF document."""
    if not is_document(value):
        raise InvalidDocument('not an ADF document (type must be "doc")')
    if value.get("version") != 1:
        raise InvalidDocument("doc.version must be 1")
    content = value.get("content")
    if not isinstance(content, list):
        raise InvalidDocument("doc.content must be a list")
    for index, node in enumerate(content):
        _check_node(node, _BLOCK_CHILDREN, "content[%d]" % index, 1)


def _check_node(node, allowed, where, depth):
    if depth > MAX_DEPTH:
        raise InvalidDocument("%s: nested too deeply" % where)
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        raise InvalidDocument("%s: a node must be an object with a type" % where)
    kind = node["type"]
    if kind not in NODES:
        raise InvalidDocument("%s: unknown node type %r" % (where, kind))
    if kind not in allowed:
        raise InvalidDocument("%s: %s is not allowed here" % (where, kind))
    _, children, required = NODES[kind]
    attrs = node.get("attrs", {})
    if not isinstance(attrs, dict):
        raise InvalidDocument("%s: attrs must be an object" % where)
    for name in required:
        if name not in attrs:
            raise InvalidDocument("%s: %s needs attrs.%s" % (where, kind, name))
    _check_special(node, kind, attrs, where)
    content = node.get("content")
    if content is None:
        return
    if children is None or not isinstance(content, list):
        raise InvalidDocument("%s: %s cannot have this content" % (where, kind))
    for index, child in enumerate(content):
        _check_node(child, children, "%s.content[%d]" % (where, index), depth + 1)


def _check_special(node, kind, attrs, where):
    if kind == "heading" and attrs.get("level") not in (1, 2, 3, 4, 5, 6):
        raise InvalidDocument("%s: heading level must be 1..6" % where)
    if kind == "panel" and attrs.get("panelType") not in PANEL_TYPES:
        raise InvalidDocument("%s: unknown panelType" % where)
    if kind != "text":
        if "marks" in node and kind not in ("paragraph", "heading"):
            raise InvalidDocument("%s: %s cannot carry marks" % (where, kind))
        return
    text = node.get("text")
    if not isinstance(text, str) or text == "":
        raise InvalidDocument("%s: text nodes need a non-empty text" % where)
    marks = node.get("marks", [])
    if not isinstance(marks, list):
        raise InvalidDocument("%s: marks must be a list" % where)
    for mark in marks:
        if not isinstance(mark, dict) or mark.get("type") not in MARKS:
            raise InvalidDocument("%s: unknown mark %r" % (where, mark))
        mark_attrs = mark.get("attrs", {})
        for name in MARKS[mark["type"]]:
            if not isinstance(mark_attrs, dict) or name not in mark_attrs:
                raise InvalidDocument("%s: mark %s needs attrs.%s" % (where, mark["type"], name))


def to_text(doc):
    """The plain text of a document: blocks on their own lines."""
    lines = []

    def walk(node, line):
        if node.get("type") == "text":
            line.append(node.get("text", ""))
        elif node.get("type") == "hardBreak":
            line.append("\n")
        for child in node.get("content", []) or []:
            if NODES.get(child.get("type"), (INLINE,))[0] in (INLINE,):
                walk(child, line)
            else:
                inner = []
                walk(child, inner)
                if inner:
                    lines.append("".join(inner))

    top = []
    walk(doc, top)
    if top:
        lines.append("".join(top))
    return "\n".join(lines)


def from_text(text):
    """A document with one paragraph per non-empty line, as Jira shows wiki text in v3."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.split("\n")
        if line
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}
