"""chamba.jobs"""
