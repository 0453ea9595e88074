"""The project's promises: set-up files in sync, README true, notebooks stored executed."""

import html as html_module
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbconvert import HTMLExporter

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from cs551.execute import execute

from .helpers import course_explorers

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = (ROOT / "README.md").read_text()


def requirement(text: str) -> tuple[str, str]:
    """'numpy>=1.24; python_version < "3.11"' -> ('numpy', '>=1.24')."""
    text = text.split(";")[0].strip()
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", text).groups()
    return name.lower(), spec.replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pip_side = {requirement(r) for r in declared}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {"python-isal": "isal"}  # conda-forge's name -> PyPI's
    conda_side = {(conda_names.get(name, name), spec) for name, spec in
                  (requirement(d) for d in env["dependencies"] if isinstance(d, str))}
    assert ("python", project["requires-python"]) in conda_side
    conda_side -= {("python", project["requires-python"]), ("pip", "")}
    assert conda_side == pip_side
    assert env["channels"] == ["conda-forge"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]  # installs the course package itself


def test_isal_is_installed_where_pyproject_asks_for_it():
    """Where the marker admits python-isal, the pictures are compressed by it."""
    from packaging.requirements import Requirement

    from cs551 import widgets

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    isal = next(Requirement(r) for r in project["dependencies"] if r.startswith("isal"))
    assert (widgets.isal_zlib is not None) == isal.marker.evaluate()


def test_no_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for extra in [project["dependencies"], *project["optional-dependencies"].values()]:
        for dependency in extra:
            version = dependency.split(";")[0]  # a marker may compare with ==
            assert "==" not in version and "<" not in version, dependency


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_quickstart_has_exactly_two_commands_that_exist():
    assert quickstart_commands() == ["python3 course.py lab", "python3 course.py test"]
    usage = subprocess.run([sys.executable, str(ROOT / "course.py")],
                           capture_output=True, text=True)
    assert usage.returncode == 2  # no command: prints its usage
    for command in ("lab", "test", "execute"):
        assert f"python3 course.py {command}" in usage.stdout


def test_ci_runs_the_readme_test_command_from_scratch():
    ci = (ROOT / ".ci" / "run").read_text()
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111
    assert "set -euo pipefail" in ci and "rm -rf .venv" in ci
    assert quickstart_commands()[1] in ci


def test_every_notebook_is_listed_in_the_readme_and_the_welcome_notebook():
    cells = nbformat.read(ROOT / "notebooks/00_welcome.ipynb", 4).cells
    welcome = "".join(cell.source for cell in cells if cell.cell_type == "markdown")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in README, f"{path.name} is missing from the README"
        assert f"({path.name})" in welcome, f"{path.name} is missing from 00_welcome's list"
    listed = re.findall(r"\(notebooks/([^)]+\.ipynb)\)", README)
    assert all((ROOT / "notebooks" / name).exists() for name in listed)



def test_readme_performance_section_covers_every_benchmark_and_explorer():
    section = README.split("## Performance", 1)[1].split("\n## ", 1)[0]
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        assert f"benchmarks/{script.name}" in section, f"{script.name} is missing"
    source = (ROOT / "benchmarks" / "widget_latency.py").read_text()
    explorers = set(re.findall(r"explorer = (\w+Explorer)\(", source))
    course = {cls.__name__ for cls in course_explorers()}
    assert course - {"Explorer"} <= explorers, "an explorer is not benchmarked"
    for name in explorers:
        assert name in section, f"{name}'s latency is missing from the README"

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_executed_and_clean(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    assert "widgets" not in notebook.metadata, "saved widget state: re-run cs551.execute"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].source.startswith("%matplotlib inline")
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "not executed top to bottom in one kernel"
    for cell in code:
        assert "execution" not in cell.metadata, "timing metadata: re-run cs551.execute"
        tags = cell.metadata.get("tags", [])
        assert "nbval-skip" not in tags
        if "raises-exception" not in tags:
            assert all(out.output_type != "error" for out in cell.outputs)


def test_execute_stores_notebooks_deterministically(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\n"
                                  "print(np.random.default_rng(0).normal(size=3))"),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(3)"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n_ = plt.plot([1, 2])"),
        # two prints far apart in time reach the client as two stream messages
        nbformat.v4.new_code_cell("import time\nprint('one')\ntime.sleep(0.3)\nprint('two')"),
    ]
    path = tmp_path / "check.ipynb"
    nbformat.write(notebook, path)
    execute(path)
    first = path.read_text()
    execute(path)
    assert path.read_text() == first
    stored = json.loads(first)
    assert "widgets" not in stored["metadata"]
    assert all("execution" not in cell["metadata"] for cell in stored["cells"])
    figure = stored["cells"][2]["outputs"][0]["data"]
    assert "".join(figure["text/plain"]) == "<Figure size 640x480 with 1 Axes>"
    slider = stored["cells"][1]["outputs"][0]["data"]
    assert list(slider) == ["text/plain"]  # the view of a widget whose state is not saved is gone
    prints = stored["cells"][3]["outputs"]  # stored as one output, whatever the timing
    assert len(prints) == 1 and "".join(prints[0]["text"]) == "one\ntwo\n"


def test_lowest_constraints_pin_every_declared_dependency_at_its_lower_bound():
    course = load_course()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra]
    constraints = course.lowest_constraints()
    assert len(constraints) == len(declared)
    for text, pinned in zip(declared, constraints, strict=True):
        name, spec_ = requirement(text)
        assert spec_.startswith(">=") and requirement(pinned) == (name, "==" + spec_[2:])
        assert pinned.split(";")[1:] == text.split(";")[1:]  # markers kept


def test_library_is_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("script, args", [
    ("optimizer_step.py", ["--params", "1000", "--repeats", "1"]),
    ("import_time.py", ["--repeats", "1"]),
    ("batch_size_timing.py", ["--repeats", "1", "--scan-repeats", "1"]),
])
def test_benchmark_scripts_still_run(script, args):
    """Not a timed test: the scripts' figures are for people. But a refactor must not break
    them (one did: the optimizer state became typed)."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_each_notebook_names_its_symbols_and_the_welcome_table_defines_them():
    """Notation (issue 13): one table in 00_welcome; each notebook's first cell ends with the
    symbols it uses, and every Greek letter there has a row in the table."""
    cells = nbformat.read(ROOT / "notebooks/00_welcome.ipynb", 4).cells
    table = next(cell.source for cell in cells if '<a id="notation"></a>' in cell.source)
    defined = set(re.findall(r"\\([a-zA-Z]+)", "".join(
        row.split("|")[1] for row in table.splitlines() if row.startswith("| $"))))
    for path in NOTEBOOKS[1:]:
        first = nbformat.read(path, 4).cells[0].source
        line = first.strip().splitlines()[-1]
        assert line.startswith("**Symbols** ([notation table](00_welcome.ipynb#notation)): "), (
            f"{path.name}: the first cell does not end with its Symbols line")
        greek = set(re.findall(r"\\(alpha|beta|gamma|delta|epsilon|eta|theta|kappa|lambda|mu"
                               r"|rho|sigma|tau)\b", line))
        assert greek <= defined, f"{path.name}: {greek - defined} missing from the table"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_explorer_leaves_a_picture_for_viewers_without_a_kernel(path):
    """GitHub, nbviewer and HTML exports show an explorer's stored PNG (its first state)."""
    notebook = nbformat.read(path, as_version=4)
    explorers = [out for cell in notebook.cells if cell.cell_type == "code"
                 for out in cell.outputs
                 if re.match(r"<\w+Explorer: ", out.get("data", {}).get("text/plain", ""))]
    assert explorers, "no explorer in this notebook"
    for output in explorers:
        assert output.data["image/png"], "the explorer's output holds no picture"
        assert "application/vnd.jupyter.widget-view+json" not in output.data


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_stored_picture_says_what_it_shows(path):
    """Alt text for screen readers and the website, from the plotting helpers and explorers:
    panels, axes and each curve's outcome, never a file name or an empty string."""
    notebook = nbformat.read(path, as_version=4)
    pictures = [out for cell in notebook.cells if cell.cell_type == "code"
                for out in cell.outputs if "image/png" in out.get("data", {})]
    assert pictures
    for output in pictures:
        alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert alt.startswith(("Figure", "A picture of the explorer")), (
            f"a picture without alt text: {output.data.get('text/plain')}")
        assert "$" not in alt and "\\" not in alt, f"raw TeX in the alt text: {alt[:120]}"


def test_a_static_viewer_shows_the_zig_zag_and_the_explorer_without_a_kernel():
    """nbconvert's HTML export (what nbviewer and JupyterLab's *Export as HTML* use) of the
    stored exercise notebook: every figure and the explorer's picture as an image; its classic
    template also gives each one the alt text stored beside it."""
    path = ROOT / "notebooks" / "11_exact_line_search.ipynb"
    notebook = nbformat.read(path, as_version=4)
    stored = [out for cell in notebook.cells for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    for template in ("lab", "classic"):
        html, _ = HTMLExporter(template_name=template).from_notebook_node(notebook)
        images = re.findall(r"<img[^>]*src=\"data:image/png;base64,[^>]*>", html)
        assert len(images) == len(stored) == 3  # the zig-zag, the rate, the explorer
    alts = [html_module.unescape(a or b) for a, b in
            re.findall(r"""alt=(?:"([^"]*)"|'([^']*)')""", " ".join(images))]
    assert alts[0].startswith("Figure") and "exact line search" in alts[0]
    assert alts[-1].startswith("A picture of the explorer 'exact line search")


def load_course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    return course


def test_every_notebook_and_the_readme_has_a_binder_badge_that_opens_it():
    """Binder's launch links open an existing notebook in JupyterLab, from environment.yml,
    built from pyproject.toml's Repository (``python3 course.py badges`` writes them)."""
    course = load_course()
    assert (ROOT / "environment.yml").exists() and (ROOT / "notebooks/launch-binder.svg").exists()
    for path in NOTEBOOKS:
        first = "".join(nbformat.read(path, as_version=4).cells[0].source)
        badge = course.BADGE.search(first)
        assert badge, f"{path.name}: no Binder badge in the first cell"
        assert first.splitlines()[2] == badge.group(0), "the badge sits below the title"
        target = badge.group("url").split("labpath=")[1]
        assert (ROOT / target).exists() and target == f"notebooks/{path.name}"
        assert badge.group("url") == course.binder_url(target) == (
            f"https://mybinder.org/v2/gh/{course.pyproject()['project']['urls']['Repository']}"
            .replace("https://github.com/", "") + f"/HEAD?labpath={target}")
        assert badge.group("image") == "launch-binder.svg"  # local: shown offline too
    readme = course.BADGE.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert readme and readme.group("url") == course.binder_url("notebooks/00_welcome.ipynb")
    assert (ROOT / readme.group("image")).exists()
