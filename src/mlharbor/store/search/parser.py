"""Parser from tokens to raw clauses: the shape of a filter, before any entity's rules apply.

Grammar (keywords case-insensitive)::

    filter   := clause ( AND clause )* [ AND ]
    clause   := IDENT op value
              | IDENT ( LIKE | ILIKE ) value
              | IDENT [ NOT ] IN list
              | IDENT IS [ NOT ] NULL
    value    := STRING | NUMBER | IDENT | list
    list     := "(" [ item ( "," item )* [ "," ] ] ")"

A filter is at most :data:`MAX_FILTER_LENGTH` characters and :data:`MAX_FILTER_CLAUSES`
clauses: longer ones are refused before tokenizing, so a hostile filter costs bounded CPU, and
the SQL built from the clauses stays within what the databases accept (SQLite refuses
expression trees deeper than 1000).

Anything that is neither a clause nor ``AND`` is collected and reported at once as
"Invalid clause(s) in filter string: ...", which is how MLflow rejects ``OR``, parentheses
used for grouping and dangling tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.lexer import Token, TokenKind, tokenize

__all__ = [
    "MAX_FILTER_CLAUSES",
    "MAX_FILTER_LENGTH",
    "RawClause",
    "RawOrderBy",
    "RawValue",
    "parse_clauses",
    "parse_order_by_clause",
    "split_clauses",
]


MAX_FILTER_LENGTH = 65536
MAX_FILTER_CLAUSES = 200
# How much of the unparsable text an error message quotes.
_QUOTED_LIMIT = 500


@dataclass(frozen=True)
class RawValue:
    """A value as written: ``kind`` is ``string``, ``number``, ``bare`` (an unquoted word),
    ``list`` (a parenthesised group, with ``items`` when it is well-formed) or ``other``."""

    kind: str
    text: str
    items: tuple[RawValue, ...] | None = None


@dataclass(frozen=True)
class RawClause:
    """One comparison: identifier text as written, upper-cased comparator, value or None."""

    identifier: str
    comparator: str
    value: RawValue | None


@dataclass(frozen=True)
class RawOrderBy:
    identifier: str
    ascending: bool


def _group_end(tokens: list[Token], start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start``; -1 if it never closes."""
    for i in range(start + 1, len(tokens)):
        if tokens[i].kind is TokenKind.RPAREN:
            return i
        if tokens[i].kind is TokenKind.LPAREN:
            return -1
    return -1


def _list_value(text: str, tokens: list[Token], start: int, end: int) -> RawValue:
    source = text[tokens[start].start : tokens[end].end]
    inner = tokens[start + 1 : end]
    items: list[RawValue] = []
    expect_item = True
    for token in inner:
        if expect_item:
            item = _scalar(token)
            if item is None:
                return RawValue("list", source, None)
            items.append(item)
        elif token.kind is not TokenKind.COMMA:
            return RawValue("list", source, None)
        expect_item = not expect_item
    return RawValue("list", source, tuple(items))


def _scalar(token: Token) -> RawValue | None:
    if token.kind is TokenKind.STRING:
        return RawValue("string", token.text)
    if token.kind is TokenKind.NUMBER:
        return RawValue("number", token.text)
    if token.kind is TokenKind.IDENT:
        return RawValue("bare", token.text)
    if token.is_keyword("NULL"):
        return RawValue("other", token.text)
    return None


def _value_at(text: str, tokens: list[Token], i: int) -> tuple[RawValue, int] | None:
    if i >= len(tokens):
        return None
    if tokens[i].kind is TokenKind.LPAREN:
        end = _group_end(tokens, i)
        if end < 0:
            return None
        return _list_value(text, tokens, i, end), end + 1
    scalar = _scalar(tokens[i])
    if scalar is None:
        return None
    return scalar, i + 1


def _clause_at(text: str, tokens: list[Token], i: int) -> tuple[RawClause, int] | None:
    """The clause starting at ``tokens[i]`` and the index after it, or None."""
    n = len(tokens)
    if tokens[i].kind is not TokenKind.IDENT or i + 1 >= n:
        return None
    ident = tokens[i].text
    nxt = tokens[i + 1]
    if nxt.kind is TokenKind.OP or nxt.is_keyword("LIKE", "ILIKE"):
        found = _value_at(text, tokens, i + 2)
        if found is None:
            return None
        return RawClause(ident, nxt.upper, found[0]), found[1]
    if nxt.is_keyword("IN") and i + 2 < n and tokens[i + 2].kind is TokenKind.LPAREN:
        found = _value_at(text, tokens, i + 2)
        if found is None:
            return None
        return RawClause(ident, "IN", found[0]), found[1]
    if (
        nxt.is_keyword("NOT")
        and i + 3 < n
        and tokens[i + 2].is_keyword("IN")
        and tokens[i + 3].kind is TokenKind.LPAREN
    ):
        found = _value_at(text, tokens, i + 3)
        if found is None:
            return None
        return RawClause(ident, "NOT IN", found[0]), found[1]
    if nxt.is_keyword("IS") and i + 2 < n:
        if tokens[i + 2].is_keyword("NULL"):
            return RawClause(ident, "IS NULL", None), i + 3
        if i + 3 < n and tokens[i + 2].is_keyword("NOT") and tokens[i + 3].is_keyword("NULL"):
            return RawClause(ident, "IS NOT NULL", None), i + 4
    return None


def split_clauses(filter_string: str) -> tuple[list[RawClause], list[str]]:
    """Split an AND-ed filter into raw clauses, and the tokens that belong to no clause.

    Raises:
        InvalidParameterValue: the text holds several statements.
    """
    if len(filter_string) > MAX_FILTER_LENGTH:
        raise InvalidParameterValue(
            f"Search filter is {len(filter_string)} characters long; the limit is "
            f"{MAX_FILTER_LENGTH}."
        )
    tokens = tokenize(filter_string)
    if any(t.kind is TokenKind.SEMICOLON for t in tokens[:-1]):
        raise InvalidParameterValue(
            f"Search filter contained multiple expression {filter_string[:_QUOTED_LIMIT]!r}. "
            "Provide AND-ed expression list."
        )
    if tokens and tokens[-1].kind is TokenKind.SEMICOLON:
        tokens = tokens[:-1]
    clauses: list[RawClause] = []
    invalid: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].is_keyword("AND"):
            i += 1
            continue
        found = _clause_at(filter_string, tokens, i)
        if found is None:
            invalid.append(tokens[i].text)
            i += 1
            continue
        clauses.append(found[0])
        if len(clauses) > MAX_FILTER_CLAUSES:
            raise InvalidParameterValue(
                f"Search filter has more than {MAX_FILTER_CLAUSES} clauses; the limit is "
                f"{MAX_FILTER_CLAUSES}."
            )
        i = found[1]
    return clauses, invalid


def parse_clauses(filter_string: str) -> list[RawClause]:
    """Split an AND-ed filter into raw clauses.

    Raises:
        InvalidParameterValue: several statements, or tokens that belong to no clause.
    """
    clauses, invalid = split_clauses(filter_string)
    if invalid:
        listed = ", ".join(f"'{piece}'" for piece in invalid)
        if len(listed) > _QUOTED_LIMIT:
            listed = listed[:_QUOTED_LIMIT] + "..."
        raise InvalidParameterValue(f"Invalid clause(s) in filter string: {listed}")
    return clauses


def parse_order_by_clause(order_by: str) -> RawOrderBy:
    """Parse ``"<identifier> [ASC|DESC]"`` (direction case-insensitive, default ascending).

    Raises:
        InvalidParameterValue: not an identifier with an optional direction.
    """
    tokens = tokenize(order_by)
    if not tokens or tokens[0].kind is not TokenKind.IDENT or len(tokens) > 2:
        raise InvalidParameterValue(f"Invalid order_by clause '{order_by}'. Could not be parsed.")
    if len(tokens) == 1:
        return RawOrderBy(tokens[0].text, True)
    direction = tokens[1]
    if direction.kind not in (TokenKind.IDENT, TokenKind.KEYWORD):
        raise InvalidParameterValue(f"Invalid order_by clause '{order_by}'. Could not be parsed.")
    if direction.text.lower() not in ("asc", "desc"):
        raise InvalidParameterValue(f"Invalid ordering key in order_by clause '{order_by}'.")
    return RawOrderBy(tokens[0].text, direction.text.lower() == "asc")
