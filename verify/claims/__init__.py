"""Claims of the two papers, one module per topic of ``theory/``.

Every module here is imported by :func:`verify.registry.all_claims`; a module registers its
claims with :func:`verify.registry.register` at import time.
"""
