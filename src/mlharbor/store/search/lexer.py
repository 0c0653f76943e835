"""Tokenizer for MLflow's search filter language.

The language is a tiny subset of SQL: identifiers (``metrics.acc``, ``tags.`a b```,
``params."x y"``), quoted strings, numbers, comparison operators, parentheses, commas and the
keywords ``AND OR NOT IN IS NULL LIKE ILIKE``. The tokenizer never fails: text it cannot read
becomes an ``ERROR`` token, so the parser can report every stray piece the way MLflow does.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = ["KEYWORDS", "Token", "TokenKind", "tokenize"]


class TokenKind(enum.Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    KEYWORD = "keyword"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    SEMICOLON = ";"
    ERROR = "error"


KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE"})


@dataclass(frozen=True)
class Token:
    """One lexeme: its kind, its exact source text and where it starts in the filter."""

    kind: TokenKind
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_keyword(self, *words: str) -> bool:
        return self.kind is TokenKind.KEYWORD and self.upper in words


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.`])")
_OPERATOR = re.compile(r"!=|<>|<=|>=|==|>>|<<|=|<|>")
_WORD = re.compile(r"[A-Za-z0-9_$]+")
_WHITESPACE = re.compile(r"\s+")


def _quoted_end(text: str, pos: int) -> int:
    """Index just past the quoted run opening at ``pos``; -1 when it is never closed.

    A doubled quote character or a backslash escape inside the run stands for itself, as in
    SQL; the run's text is kept verbatim (MLflow strips only the outer quotes).
    """
    quote = text[pos]
    i = pos + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return -1


def _identifier_end(text: str, pos: int) -> int:
    """Index just past the dotted identifier opening at ``pos``; -1 if there is none.

    Parts are bare words or backtick-quoted runs; after a dot a part may also be a single- or
    double-quoted run (``params."my key"``). A part whose quote never closes ends the
    identifier before its dot.
    """
    i = pos
    last_complete = -1
    while True:
        if i < len(text) and (text[i] == "`" or (last_complete >= 0 and text[i] in "'\"")):
            end = _quoted_end(text, i)
            if end < 0:
                return last_complete
            i = end
        else:
            match = _WORD.match(text, i)
            if match is None:
                return last_complete
            i = match.end()
        last_complete = i
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return i


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, skipping whitespace."""
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while pos < length:
        ws = _WHITESPACE.match(text, pos)
        if ws:
            pos = ws.end()
            continue
        char = text[pos]
        if char in "'\"":
            end = _quoted_end(text, pos)
            if end < 0:
                tokens.append(Token(TokenKind.ERROR, char, pos))
                pos += 1
                continue
            if char == '"' and end < length and text[end] == ".":
                # A double-quoted run followed by a dot starts an identifier, as in SQL.
                ident_end = _identifier_end(text, end + 1)
                if ident_end > end + 1:
                    tokens.append(Token(TokenKind.IDENT, text[pos:ident_end], pos))
                    pos = ident_end
                    continue
            tokens.append(Token(TokenKind.STRING, text[pos:end], pos))
            pos = end
            continue
        number = _NUMBER.match(text, pos)
        if number and (char not in "+-" or _sign_allowed(tokens)):
            tokens.append(Token(TokenKind.NUMBER, number.group(), pos))
            pos = number.end()
            continue
        operator = _OPERATOR.match(text, pos)
        if operator:
            tokens.append(Token(TokenKind.OP, operator.group(), pos))
            pos = operator.end()
            continue
        if char in "(),;":
            kind = {
                "(": TokenKind.LPAREN,
                ")": TokenKind.RPAREN,
                ",": TokenKind.COMMA,
                ";": TokenKind.SEMICOLON,
            }[char]
            tokens.append(Token(kind, char, pos))
            pos += 1
            continue
        end = _identifier_end(text, pos)
        if end > pos:
            word = text[pos:end]
            kind = TokenKind.KEYWORD if word.upper() in KEYWORDS else TokenKind.IDENT
            tokens.append(Token(kind, word, pos))
            pos = end
            continue
        tokens.append(Token(TokenKind.ERROR, char, pos))
        pos += 1
    return tokens


def _sign_allowed(tokens: list[Token]) -> bool:
    """A leading sign belongs to a number only where a value may start."""
    if not tokens:
        return True
    return tokens[-1].kind in (TokenKind.OP, TokenKind.LPAREN, TokenKind.COMMA)
