"""Notebook 09: Newton's method (``notebooks/09_newton.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``.
Every public name they define is an attribute of this package (``cs551.topics.reexport``).
"""

from cs551.topics import reexport

__getattr__, __dir__ = reexport(__name__)
