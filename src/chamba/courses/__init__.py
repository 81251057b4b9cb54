"""chamba.courses"""
