"""Artifact repositories: where run and model files live (local directories, S3, the HTTP proxy)."""
