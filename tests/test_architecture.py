"""The package's architecture, as the README's "Layout" describes it.

A foundation (the lecture's tools), shared helpers (what two or more topics use) and one
home per topic. The foundation imports neither shared helpers nor topics, shared helpers
import no topic, topics never import each other, and nothing imports in a cycle.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cs551.topics import defined_names

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "cs551"
SHARED = {"cs551.gradient_noise", "cs551.measure", "cs551.plots", "cs551.symbolic", "cs551.widgets"}
PARTS = ("experiments", "derivations", "figures", "explorer")
# imports left inside functions on purpose: optional or heavy tools only some calls need
LOCAL_IMPORTS_ALLOWED = {
    ("cs551.data", "sklearn.datasets"),  # only if scikit-learn's bundled CSV is not found
    ("cs551.nn.network", "threadpoolctl"),  # optional: one BLAS thread when it is installed
    ("cs551.topics.minibatches.experiments", "threadpoolctl"),
    ("cs551.execute", "ipykernel.kernelspec"),  # the notebook-execution stack, for the CLI
    ("cs551.execute", "jupyter_client.kernelspec"),
    ("cs551.execute", "jupyter_client.manager"),
    ("cs551.execute", "nbformat"),
    ("cs551.execute", "nbclient"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def kind(name: str) -> str:
    """'topic:<slug>', 'shared', or 'foundation'."""
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "topics":
        return f"topic:{parts[2]}"
    if name in SHARED:
        return "shared"
    return "topics-index" if name == "cs551.topics" else "foundation"


def imports(name: str) -> list[tuple[str, str, bool]]:
    """(imported module, cs551 module it resolves to or '', inside a function?) of a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    local = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
             for n in ast.walk(f) if n is not f}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            internal = target if target in MODULES else ""
            found.append((target, internal, id(node) in local))
    return found


GRAPH = {name: {t for _, t, _ in imports(name) if t} for name in MODULES}


def test_the_package_has_the_layout_of_the_readme():
    assert {kind(m) for m in MODULES} >= {"foundation", "shared", "topics-index"}
    topics = sorted(p.name for p in (PKG / "topics").iterdir() if (p / "__init__.py").exists())
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(topics) == len(notebooks) - 1  # every notebook but the welcome has a home
    for slug in topics:
        parts = {p.stem for p in (PKG / "topics" / slug).glob("*.py")} - {"__init__"}
        assert parts and parts <= set(PARTS), f"{slug}: parts must be among {PARTS}, got {parts}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a list of nodes, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_in_a_cycle():
    assert find_cycle(GRAPH) is None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_follow_the_layering(name):
    """foundation < shared helpers < topics; a topic imports only its own parts (and the
    topics index, ``cs551.topics.reexport``)."""
    mine = kind(name)
    for target in sorted(GRAPH[name]):
        theirs = kind(target)
        if mine == "foundation":
            assert theirs == "foundation", f"{name} (foundation) imports {target} ({theirs})"
        elif mine == "shared":
            assert theirs in ("foundation", "shared"), f"{name} (shared) imports {target}"
        elif mine.startswith("topic:"):  # the index gives a home its re-exports
            allowed = ("foundation", "shared", "topics-index", mine)
            assert theirs in allowed, f"{name} imports {target} ({theirs})"
        else:
            assert theirs == "foundation", f"{name} imports {target}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_are_at_the_top_of_the_module(name):
    """A function-level import hides a dependency (and, before, hid cycles)."""
    for target, _, inside in imports(name):
        if inside:
            assert (name, target) in LOCAL_IMPORTS_ALLOWED, f"{name} imports {target} in a function"


def test_one_name_per_meaning():
    """No two modules define the same public name (``_validate``'s checks read ``check.X``)."""
    seen: dict[str, str] = {}
    for name in MODULES:
        if name == "cs551._validate" or MODULES[name].name == "__init__.py":
            continue
        for definition in sorted(defined_names(MODULES[name])):
            assert definition not in seen, f"{definition}: in {seen[definition]} and {name}"
            seen[definition] = name


def users_of(word: str) -> set[str]:
    """The topics whose home or notebook (its code cells) uses ``word``."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    users = {kind(m) for m in MODULES if kind(m).startswith("topic:")
             and pattern.search(MODULES[m].read_text())}
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if pattern.search(code):
            users.add(f"topic:{path.stem[3:]}")  # notebooks/NN_<topic>.ipynb
    return users


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_helper_holds_only_what_two_or_more_topics_use(name):
    """Each public name serves two topics (a notebook counts as its topic), or its own module."""
    text = MODULES[name].read_text()
    for definition in sorted(defined_names(MODULES[name])):
        users = users_of(definition)
        internal = len(re.findall(rf"\b{definition}\b", text)) > 1
        assert len(users) >= 2 or internal, f"{name}.{definition} serves only {users}"


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_layout_lists_every_module():
    block = layout_block()
    listed = set(re.findall(r"^ {2}(\S+\.py)\s", block, re.M))
    topic_lines = dict(re.findall(r"^ {2}topics/(\w+)/\s+\d\d\s+(.*)$", block, re.M))
    for path in MODULES.values():
        rel = path.relative_to(PKG).as_posix()
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == "topics":
            if parts[2] == "__init__.py":
                assert parts[1] in topic_lines, f"topics/{parts[1]}/ is missing from the Layout"
            else:
                assert parts[2][:-3] in topic_lines[parts[1]].split(), f"{rel} is not listed"
        else:
            assert rel in listed, f"cs551/{rel} is missing from the README's Layout"
    for rel in listed:
        assert (PKG / rel).exists(), f"the Layout lists cs551/{rel}, which does not exist"
    for slug, parts in topic_lines.items():
        for part in parts.split():
            assert (PKG / "topics" / slug / f"{part}.py").exists(), f"topics/{slug}/{part}.py"


def test_import_cs551_stays_lazy():
    """``import cs551`` loads no submodule, no numpy, no matplotlib: a notebook starts fast."""
    code = ("import sys, cs551; print(sorted(m for m in sys.modules "
            "if m.startswith(('cs551.', 'numpy', 'matplotlib', 'sympy', 'ipywidgets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_top_level_module_loads_lazily_from_cs551():
    """``cs551.<name>`` works for every module and package of the library, and only for them."""
    import cs551

    top = {p.stem for p in PKG.glob("*.py") if p.stem != "__init__"}
    top |= {p.name for p in PKG.iterdir() if (p / "__init__.py").exists()}
    assert set(cs551.__all__) == top - {"_validate"}


def test_the_topics_index_lists_every_topic_with_its_notebook():
    doc = (PKG / "topics" / "__init__.py").read_text()
    for notebook in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        number, topic = notebook.stem.split("_", 1)
        if number != "00":
            assert re.search(rf"\b{topic}\s+{number}\b", doc), f"{topic} ({number}) is not listed"


def test_every_topic_has_its_test_file():
    for home in sorted((PKG / "topics").glob("*/__init__.py")):
        topic = home.parent.name
        assert (ROOT / "tests" / f"test_{topic}.py").exists(), f"tests/test_{topic}.py is missing"


def test_a_topic_home_offers_the_public_names_of_its_parts_and_loads_them_lazily():
    code = ("import sys; from cs551.topics import momentum as mom; mom.three_methods; "
            "loaded = 'cs551.topics.momentum.explorer' in sys.modules; "
            "from cs551.topics.momentum import MomentumExplorer, heavy_ball_optimum; "
            "print(loaded, 'race' in dir(mom), 'np' in dir(mom), hasattr(mom, 'minimize'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "False", "False"]  # imported names stay out
