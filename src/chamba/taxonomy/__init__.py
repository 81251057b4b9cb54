"""chamba.taxonomy"""
