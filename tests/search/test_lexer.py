"""The tokenizer: identifiers with dots and quotes, strings, numbers, operators, errors."""

from __future__ import annotations

import pytest

from mlharbor.store.search.lexer import TokenKind, tokenize

ID, S, N, OP, K = (
    TokenKind.IDENT,
    TokenKind.STRING,
    TokenKind.NUMBER,
    TokenKind.OP,
    TokenKind.KEYWORD,
)


def kinds_and_texts(text: str) -> list[tuple[TokenKind, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc > 0.9", [(ID, "metrics.acc"), (OP, ">"), (N, "0.9")]),
        ("tags.mlflow.parentRunId='x'", [(ID, "tags.mlflow.parentRunId"), (OP, "="), (S, "'x'")]),
        ('tags.`a b` != "v"', [(ID, "tags.`a b`"), (OP, "!="), (S, '"v"')]),
        ('params."my key" = 1', [(ID, 'params."my key"'), (OP, "="), (N, "1")]),
        ("params.'my key' = 1", [(ID, "params.'my key'"), (OP, "="), (N, "1")]),
        ("`metrics`.a <= -1.5e3", [(ID, "`metrics`.a"), (OP, "<="), (N, "-1.5e3")]),
        ("a >= .5", [(ID, "a"), (OP, ">="), (N, ".5")]),
        ("a and b OR c", [(ID, "a"), (K, "and"), (ID, "b"), (K, "OR"), (ID, "c")]),
        ("x IS NOT NULL", [(ID, "x"), (K, "IS"), (K, "NOT"), (K, "NULL")]),
        ("x like 'a%' ILIKE", [(ID, "x"), (K, "like"), (S, "'a%'"), (K, "ILIKE")]),
        (
            "x == 1 <> 2 >> 3",
            [(ID, "x"), (OP, "=="), (N, "1"), (OP, "<>"), (N, "2"), (OP, ">>"), (N, "3")],
        ),
        ("'it''s' 'a\\'b'", [(S, "'it''s'"), (S, "'a\\'b'")]),
        ("metrics.in = 1", [(ID, "metrics.in"), (OP, "="), (N, "1")]),
        ("1abc", [(ID, "1abc")]),
    ],
)
def test_tokens(text: str, expected: list[tuple[TokenKind, str]]) -> None:
    assert kinds_and_texts(text) == expected


def test_list_punctuation() -> None:
    kinds = [t.kind for t in tokenize("run_id IN ('a', 'b');")]
    assert kinds == [
        ID,
        K,
        TokenKind.LPAREN,
        S,
        TokenKind.COMMA,
        S,
        TokenKind.RPAREN,
        TokenKind.SEMICOLON,
    ]


def test_sign_belongs_to_number_only_where_a_value_starts() -> None:
    assert kinds_and_texts("a = -1") == [(ID, "a"), (OP, "="), (N, "-1")]
    assert kinds_and_texts("1 -1")[1] == (TokenKind.ERROR, "-")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.a = 'x", [(ID, "params.a"), (OP, "="), (TokenKind.ERROR, "'"), (ID, "x")]),
        ("a ~ b", [(ID, "a"), (TokenKind.ERROR, "~"), (ID, "b")]),
        ("tags.`open = 1", [(ID, "tags"), (TokenKind.ERROR, "."), (TokenKind.ERROR, "`")]),
    ],
)
def test_unreadable_text_becomes_error_tokens(
    text: str, expected: list[tuple[TokenKind, str]]
) -> None:
    assert kinds_and_texts(text)[: len(expected)] == expected


def test_positions() -> None:
    tokens = tokenize("  a =  'b'")
    assert [(t.start, t.end) for t in tokens] == [(2, 3), (4, 5), (7, 10)]
