"""One home per notebook: ``notebooks/NN_<topic>.ipynb`` is taught by ``cs551.topics.<topic>``.

    learning_vs_optimization   01    initialization             07
    minibatches                02    adaptive_learning_rates    08
    local_quadratic_model      03    newton                     09
    challenges                 04    batch_normalization        10
    sgd                        05    exact_line_search          11
    momentum                   06

A home holds the parts its notebook needs: ``experiments`` (numbers), ``derivations``
(SymPy), ``figures`` and ``explorer``. Every public name defined in a part is an
attribute of the home (``reexport``), so a notebook writes
``from cs551.topics import momentum as mom`` and then ``mom.race(...)``. A topic imports
the foundation and the shared helpers, never another topic.
"""

from __future__ import annotations

import ast
import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

PARTS = ("experiments", "derivations", "figures", "explorer")


@functools.cache
def defined_names(path: Path) -> frozenset[str]:
    """The public names a module file defines at its top level (not those it imports)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return frozenset(name for name in names if not name.startswith("_"))


def reexport(home: str) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a topic's home (PEP 562): a name is found in
    the source of the home's parts, and only the part that defines it is imported (so a
    test of ``experiments`` never loads the explorer's ipywidgets). A name once found is
    kept on the home, so later lookups are ordinary attribute lookups."""
    package = sys.modules[home]
    folder = Path(package.__file__).parent
    parts = {part: folder / f"{part}.py" for part in PARTS if (folder / f"{part}.py").exists()}

    def __getattr__(name: str) -> object:
        for part, path in parts.items():
            if name in defined_names(path):
                value = getattr(importlib.import_module(f"{home}.{part}"), name)
                setattr(package, name, value)
                return value
        raise AttributeError(f"module {home!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set().union(*map(defined_names, parts.values())) | set(parts))

    return __getattr__, __dir__
