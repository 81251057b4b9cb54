"""chamba.activity"""
