"""Realistic, deterministic demo data for Peru with a saved hidden ground truth.

Entry point: :func:`chamba.demo.generator.generate_demo`; evaluation helpers:
:func:`chamba.demo.ground_truth.load_ground_truth` and
:func:`chamba.demo.ground_truth.true_utility`.
"""
