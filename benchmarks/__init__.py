"""Benchmarks comparing mlharbor with MLflow 3.17.2 on the same machine (see README.md)."""
