"""The learning loop: datasets from feedback, a PyTorch ranker, evaluation, registry, serving.

Modules (imported on demand; ``torch`` is only loaded by :mod:`~chamba.learning.ranker`):

- :mod:`~chamba.learning.dataset` - graded, grouped, time-split, leak-free examples + snapshots
- :mod:`~chamba.learning.history` - versions of people's and jobs' matching attributes
- :mod:`~chamba.learning.ranker` - the listwise MLP ranker (``TrainedRanker`` is a ``Scorer``)
- :mod:`~chamba.learning.metrics` - NDCG, MAP, MRR, recall, precision, coverage, ECE
- :mod:`~chamba.learning.evaluate` - ranker vs rule-based, BM25 and embedding; slices
- :mod:`~chamba.learning.report` - ``report.json`` and ``report.html``
- :mod:`~chamba.learning.registry` - model versions, serving pointer, promotion, rollback
- :mod:`~chamba.learning.serving` - hot-reloading ``ServingRanker`` and ``install_serving``
- :mod:`~chamba.learning.train` - the resumable ``chamba train`` pipeline
"""
