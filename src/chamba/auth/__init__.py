"""chamba.auth"""
