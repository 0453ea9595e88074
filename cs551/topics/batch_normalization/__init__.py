"""Notebook 10: Batch normalization (``notebooks/10_batch_normalization.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name they define is an attribute of this package (``cs551.topics.reexport``).
"""

from cs551.topics import reexport

__getattr__, __dir__ = reexport(__name__)
