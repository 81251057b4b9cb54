"""chamba.people"""
