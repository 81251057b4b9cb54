"""Matching: retrieval (vector index), features, scoring, explanations and pathways."""
