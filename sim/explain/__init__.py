"""``python -m sim.explain``: where a plan's gain over its baseline comes from.

``components`` names a plan's components and builds coalition plans, ``shapley`` attributes
(exact or sampled Shapley values per replicate), ``run`` runs coalitions on common random
numbers in parallel, ``core`` puts them together, ``report`` writes the table and the
waterfall, ``__main__`` is the Hydra app. See ``docs/explain.md``.
"""
