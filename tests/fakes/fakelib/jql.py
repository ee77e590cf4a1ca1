"""The part of JQL a ticketing client uses to find its own issues.

    query   := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    expr    := term {OR term}
    term    := factor {AND factor}
    factor  := NOT factor | "(" expr ")" | clause
    clause  := field (= | != | ~ | !~) value
             | field [NOT] IN "(" value {, value} ")"
             | field IS [NOT] (EMPTY | NULL)

Fields: project, labels, status, statusCategory, issuetype (type), priority,
key (issuekey, id), summary and text (~ only), resolution. Values are
"double-quoted" (with \\" and \\\\ escapes), 'single-quoted' or bare words.
parse() raises JqlError with a message in Jira's words.
"""

import re
from dataclasses import dataclass

FIELDS = {
    "project": "project",
    "labels": "labels",
    "status": "status",
    "statuscategory": "statusCategory",
    "issuetype": "issuetype",
    "type": "issuetype",
    "priority": "priority",
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "summary": "summary",
    "text": "text",
    "resolution": "resolution",
}
ORDER_FIELDS = {"created", "updated", "key", "priority", "status", "summary"}
TEXT_FIELDS = {"summary", "text"}

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|!~|=|~|\(|\)|,)
      | (?P<word>[^\s"'=!~(),]+)
    )""",
    re.VERBOSE,
)


class JqlError(ValueError):
    pass


@dataclass
class Token:
    kind: str  # "string", "op", "word"
    text: str
    position: int

    def is_word(self, *words):
        return self.kind == "word" and self.text.lower() in words


def tokenize(text):
    tokens = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise JqlError(
                "Error in the JQL Query: The character '%s' is a reserved JQL character. "
                "You must enclose it in a string or use the escape '\\u%04x' instead. "
                "(line 1, character %d)" % (text[position], ord(text[position]), position + 1)
            )
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value, match.start(kind) + 1))
        position = match.end()
    return tokens


@dataclass
class Query:
    where: object  # a tree of tuples, or None for "every issue"
    order: list  # [(field, descending)]


class _Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, wanted="a field name"):
        token = self.peek()
        if token is None:
            raise JqlError(
                "Error in the JQL Query: Expecting %s but reached the end of the query." % wanted
            )
        self.index += 1
        return token

    def expect_op(self, op):
        token = self.take()
        if token.kind != "op" or token.text != op:
            raise self.unexpected(token, "'%s'" % op)

    @staticmethod
    def unexpected(token, wanted):
        return JqlError(
            "Error in the JQL Query: Expecting %s but got '%s'. (line 1, character %d)"
            % (wanted, token.text, token.position)
        )

    def query(self):
        where = None
        if self.peek() is not None and not self.peek().is_word("order"):
            where = self.expr()
        if self.peek() is not None and not self.peek().is_word("order"):
            raise self.unexpected(self.peek(), "either 'OR' or 'AND'")
        order = self.order_by() if self.peek() is not None else []
        if self.peek() is not None:
            raise self.unexpected(self.peek(), "',' or the end of the query")
        return Query(where, order)

    def expr(self):
        node = self.term()
        while self.peek() is not None and self.peek().is_word("or"):
            self.take()
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek() is not None and self.peek().is_word("and"):
            self.take()
            node = ("and", node, self.factor())
        return node

    def factor(self):
        token = self.peek()
        if token is not None and token.is_word("not"):
            self.take()
            return ("not", self.factor())
        if token is not None and token.kind == "op" and token.text == "(":
            self.take()
            node = self.expr()
            self.expect_op(")")
            return node
        return self.clause()

    def clause(self):
        token = self.take()
        if token.kind == "op":
            raise self.unexpected(token, "a field name")
        field = FIELDS.get(token.text.lower())
        if field is None:
            raise JqlError(
                "Field '%s' does not exist or you do not have permission to view it." % token.text
            )
        op = self.take("an operator")
        if op.is_word("is"):
            negate = self.peek() is not None and self.peek().is_word("not")
            if negate:
                self.take()
            value = self.take()
            if not value.is_word("empty", "null"):
                raise self.unexpected(value, "EMPTY or NULL")
            return ("empty", field, negate)
        if op.is_word("in") or op.is_word("not"):
            negate = op.is_word("not")
            if negate and not self.take().is_word("in"):
                raise self.unexpected(op, "'IN'")
            return ("in", field, self.value_list(), negate)
        if op.kind != "op" or op.text not in ("=", "!=", "~", "!~"):
            raise self.unexpected(op, "an operator")
        if (op.text in ("~", "!~")) != (field in TEXT_FIELDS):
            raise JqlError(
                "The operator '%s' is not supported by the '%s' field." % (op.text, token.text)
            )
        return ("cmp", field, op.text, self.value())

    def value(self):
        token = self.take("a value")
        if token.kind == "op":
            raise self.unexpected(token, "a value")
        return token.text

    def value_list(self):
        self.expect_op("(")
        values = [self.value()]
        while self.peek() is not None and self.peek().text == ",":
            self.take()
            values.append(self.value())
        self.expect_op(")")
        return values

    def order_by(self):
        if not (self.take().is_word("order") and self.take().is_word("by")):
            raise JqlError("Error in the JQL Query: Expecting 'ORDER BY'.")
        order = []
        while True:
            token = self.take()
            if token.text.lower() not in ORDER_FIELDS:
                raise JqlError("Not able to sort using field '%s'." % token.text)
            descending = False
            if self.peek() is not None and self.peek().is_word("asc", "desc"):
                descending = self.take().text.lower() == "desc"
            order.append((token.text.lower(), descending))
            if self.peek() is None or self.peek().text != ",":
                return order
            self.take()


def parse(text):
    return _Parser(text or "").query()


def evaluate(node, issue):
    """Whether `issue` (a dict from jirastate.searchable()) satisfies the tree."""
    if node is None:
        return True
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], issue) and evaluate(node[2], issue)
    if kind == "or":
        return evaluate(node[1], issue) or evaluate(node[2], issue)
    if kind == "not":
        return not evaluate(node[1], issue)
    if kind == "empty":
        _, field, negate = node
        empty = issue[field] in (None, [], "")
        return empty != negate
    if kind == "in":
        _, field, values, negate = node
        return any(_equals(issue, field, v) for v in values) != negate
    _, field, op, value = node
    if op in ("~", "!~"):
        return (value.lower() in issue[field].lower()) == (op == "~")
    return _equals(issue, field, value) == (op == "=")


def _equals(issue, field, value):
    have = issue[field]
    if field == "labels":
        return value in have
    if isinstance(have, (list, tuple)):  # a field that several names can match (status category)
        return value.lower() in (h.lower() for h in have)
    return have is not None and have.lower() == value.lower()


def field_values(node, field):
    """Every value the tree compares `field` against (to check they exist)."""
    if node is None:
        return []
    if node[0] in ("and", "or"):
        return field_values(node[1], field) + field_values(node[2], field)
    if node[0] == "not":
        return field_values(node[1], field)
    if node[0] == "in" and node[1] == field:
        return list(node[2])
    if node[0] == "cmp" and node[1] == field:
        return [node[3]]
    return []
