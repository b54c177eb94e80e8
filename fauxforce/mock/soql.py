"""The SOQL the mock org answers: `SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT …]`.

WHERE takes comparisons (`= != <> < <= > >=`, `LIKE`), `IN (…)` and `NOT IN (…)`, `AND`, `OR`,
`NOT` and brackets; values are strings in single quotes, numbers, `true`/`false`, `null`, date
literals (`2026-01-31`) and datetime literals (`2026-01-31T08:00:00Z`, `…+01:00`, `….000+0000`).
A query that does not parse raises `SoqlError("MALFORMED_QUERY", …)`; a field the object lacks,
`SoqlError("INVALID_FIELD", …)`; an unknown object, `SoqlError("INVALID_TYPE", …)`. Comparison is
by the field's type: numbers as numbers, dates and datetimes as instants, text as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "LIMIT",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "NULLS",
    "FIRST",
    "LAST",
}


class SoqlError(ValueError):
    """A query the org refuses, with Salesforce's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    fields: list[str]
    object: str
    where: Callable[[dict[str, Any]], bool] | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None


def tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        m = TOKEN.match(text, position)
        if not m or m.end() == position:
            near = text[position : position + 20]
            raise SoqlError("MALFORMED_QUERY", f"unexpected token at position {position}: {near!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "word" and value.upper() in KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value))
        position = m.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return out


def parse(text: str, fields_of: Callable[[str], dict[str, str] | None]) -> Query:
    """Parse `text`; `fields_of(object)` gives an object's field name → type (None: no such object)."""
    return _Parser(tokens(text), fields_of).query()


def instant(value: str) -> dt.datetime:
    """A Salesforce datetime or date (as midnight UTC) as an aware datetime."""
    text = value.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


MAX_DEPTH = 50  # nesting a query may use; deeper is refused, not followed into a recursion error


class _Parser:
    def __init__(self, toks: list[tuple[str, str]], fields_of: Callable[[str], dict[str, str] | None]) -> None:
        self.toks, self.i, self.fields_of = toks, 0, fields_of
        self.types: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.depth = 0  # parentheses and NOTs open

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        k, v = self.peek()
        if k != kind or (value is not None and v != value):
            want = value or kind
            raise SoqlError("MALFORMED_QUERY", f"expected {want} but found {v or 'the end of the query'!r}")
        self.i += 1
        return v

    def query(self) -> Query:
        self.take("kw", "SELECT")
        names = [self.take("word")]
        while self.peek() == ("punct", ","):
            self.i += 1
            names.append(self.take("word"))
        self.take("kw", "FROM")
        obj = self.take("word")
        fields = self.fields_of(obj)
        if fields is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{obj}' is not supported.")
        self.types = fields
        self.names = {f.lower(): f for f in fields}
        q = Query([self.field(n) for n in names], self.names.get(obj.lower(), obj))
        q.object = obj
        if self.peek() == ("kw", "WHERE"):
            self.i += 1
            q.where = self.condition()
        if self.peek() == ("kw", "ORDER"):
            self.i += 1
            self.take("kw", "BY")
            while True:
                name = self.field(self.take("word"))
                descending = False
                if self.peek()[0] == "kw" and self.peek()[1] in ("ASC", "DESC"):
                    descending = self.take("kw") == "DESC"
                if self.peek() == ("kw", "NULLS"):
                    self.i += 1
                    self.take("kw")
                q.order.append((name, descending))
                if self.peek() != ("punct", ","):
                    break
                self.i += 1
        if self.peek() == ("kw", "LIMIT"):
            self.i += 1
            text = self.take("number")
            if not text.isdigit():
                raise SoqlError("MALFORMED_QUERY", f"LIMIT must be a whole number of 0 or more, not {text}")
            q.limit = int(text)
        if self.peek()[0] != "end":
            raise SoqlError("MALFORMED_QUERY", f"unexpected {self.peek()[1]!r}")
        return q

    def field(self, name: str) -> str:
        real = self.names.get(name.lower())
        if real is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity; check the field name.")
        return real

    def condition(self) -> Callable[[dict[str, Any]], bool]:
        return self._joined("OR", self.conjunction, any)

    def conjunction(self) -> Callable[[dict[str, Any]], bool]:
        return self._joined("AND", self.factor, all)

    def _joined(
        self,
        keyword: str,
        part: Callable[[], Callable[[dict[str, Any]], bool]],
        combine: Callable[[Iterator[bool]], bool],
    ) -> Callable[[dict[str, Any]], bool]:
        """`part (keyword part)*`, true when `combine` (any / all) of the parts is."""
        parts = [part()]
        while self.peek() == ("kw", keyword):
            self.i += 1
            parts.append(part())
        if len(parts) == 1:
            return parts[0]
        return lambda r: combine(p(r) for p in parts)

    def factor(self) -> Callable[[dict[str, Any]], bool]:
        if self.peek() == ("kw", "NOT"):
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SoqlError("MALFORMED_QUERY", f"conditions nest deeper than {MAX_DEPTH} levels")
            inner = self.factor()
            self.depth -= 1
            return lambda r: not inner(r)
        if self.peek() == ("punct", "("):
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SoqlError("MALFORMED_QUERY", f"conditions nest deeper than {MAX_DEPTH} parentheses")
            inner = self.condition()
            self.take("punct", ")")
            self.depth -= 1
            return inner
        name = self.field(self.take("word"))
        kind = self.types[name]
        negate = False
        if self.peek() == ("kw", "NOT"):
            self.i += 1
            negate = True
        if self.peek() == ("kw", "IN"):
            self.i += 1
            self.take("punct", "(")
            values = [self.value(kind)]
            while self.peek() == ("punct", ","):
                self.i += 1
                values.append(self.value(kind))
            self.take("punct", ")")
            members = set(values)
            return lambda r: (_key(r.get(name), kind) in members) != negate
        if negate:
            raise SoqlError("MALFORMED_QUERY", "NOT must be followed by IN here")
        if self.peek() == ("kw", "LIKE"):
            self.i += 1
            pattern = self.value("string")
            regex = re.compile(
                "^" + re.escape(str(pattern)).replace("%", ".*").replace("_", ".") + "$", re.IGNORECASE | re.DOTALL
            )
            return lambda r: r.get(name) is not None and bool(regex.match(str(r.get(name))))
        op = self.take("op")
        value = self.value(kind)
        return _compare(name, kind, op, value)

    def value(self, kind: str) -> Any:
        k, v = self.peek()
        self.i += 1
        if k == "word" and v.lower() == "null":
            return None
        if k == "word" and v.lower() in ("true", "false"):
            return v.lower() == "true"
        if k == "string":
            return re.sub(r"\\(.)", r"\1", v[1:-1]) if kind not in ("datetime", "date") else _key(v[1:-1], kind)
        if k == "number":
            return float(v)
        if k in ("datetime", "date"):
            return _key(v, kind)
        raise SoqlError("MALFORMED_QUERY", f"expected a value but found {v or 'the end of the query'!r}")


NUMERIC = {"int", "double", "currency", "percent"}


def _key(value: Any, kind: str) -> Any:
    """A field value in a form that compares the way Salesforce compares that type."""
    if value is None:
        return None
    if kind == "datetime":
        return instant(str(value))
    if kind == "date":
        return str(value)[:10]
    if kind in NUMERIC:
        return float(value)
    return value


def _compare(name: str, kind: str, op: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    if op in ("=", "!=", "<>"):
        equal = op == "="
        return lambda r: (_key(r.get(name), kind) == value) == equal
    if value is None:
        raise SoqlError("MALFORMED_QUERY", f"null can only be compared with = or !=, not {op}")

    def test(r: dict[str, Any]) -> bool:
        v = _key(r.get(name), kind)
        if v is None:
            return False
        if op == "<":
            return bool(v < value)
        if op == "<=":
            return bool(v <= value)
        if op == ">":
            return bool(v > value)
        return bool(v >= value)

    return test


def run(q: Query, records: list[dict[str, Any]], types: dict[str, str]) -> list[dict[str, Any]]:
    """The records a query selects, ordered and limited (all fields kept; the caller projects)."""
    rows = [r for r in records if q.where(r)] if q.where else list(records)
    for name, descending in reversed(q.order):
        kind = types[name]

        def order(r: dict[str, Any], n: str = name, k: str = kind) -> tuple[bool, Any]:
            return r.get(n) is None, _key(r.get(n), k)

        rows.sort(key=order, reverse=descending)
    return rows[: q.limit] if q.limit is not None else rows
