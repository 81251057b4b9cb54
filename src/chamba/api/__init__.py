"""chamba.api"""
