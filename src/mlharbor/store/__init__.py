"""Persistence: tracking and registry stores behind Protocols, and artifact repositories."""
