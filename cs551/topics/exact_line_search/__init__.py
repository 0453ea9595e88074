"""Notebook 11: Exact line search (``notebooks/11_exact_line_search.ipynb``).

The topic's home: ``derivations``, ``explorer``.
Every public name they define is an attribute of this package (``cs551.topics.reexport``).
"""

from cs551.topics import reexport

__getattr__, __dir__ = reexport(__name__)
