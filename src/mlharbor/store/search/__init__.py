"""MLflow's search filter language: one tokenizer, one parser, SQL compilers per entity.

    lexer.tokenize        text    -> tokens
    parser.parse_clauses  tokens  -> raw clauses (shape only)
    grammar.Grammar       raw     -> validated AST (Comparison / OrderKey), per-entity rules
    runs / experiments / logged_models / registry
                          AST     -> SQLAlchemy Core SELECT of ids, filtered and ordered in SQL
    page_token            offset <-> MLflow's base64 JSON page token

Nothing here evaluates a filter in Python: filtering and ordering always happen in SQL.
Importing this package loads nothing heavy; the compilers import SQLAlchemy.
"""
