"""chamba.demo"""
