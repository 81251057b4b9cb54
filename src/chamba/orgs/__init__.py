"""chamba.orgs"""
