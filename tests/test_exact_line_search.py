"""The exercise: the derived closed form, its proof, orthogonal gradients, and the explorer."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from cs551 import linesearch_exercise as exercise
from cs551.linesearch import ExactLineSearch, consecutive_gradient_cosines
from cs551.objectives import Quadratic, random_quadratic
from cs551.optim import minimize
from cs551.topics.exact_line_search import LineSearchExplorer, derivations

from .helpers import assert_redraws


def exact_iterates(b: Fraction, n: int) -> list[tuple[Fraction, Fraction]]:
    """The exercise's iteration in exact rational arithmetic, written out independently."""
    x, y = b, Fraction(1)
    out = [(x, y)]
    for _ in range(n):
        gx, gy = x, b * y  # grad f = (x, b y)
        gg, gHg = gx * gx + gy * gy, gx * gx + b * gy * gy  # g'g and g'Hg, H = diag(1, b)
        alpha = gg / gHg if gg else Fraction(0)  # at the minimum: stay
        x, y = x - alpha * gx, y - alpha * gy
        out.append((x, y))
    return out


@pytest.mark.parametrize("b", [Fraction(1, 2), Fraction(1, 3), Fraction(3, 4), Fraction(1, 10)])
def test_closed_form_matches_exact_rational_iterates(b):
    B, K, x_k, y_k = exercise.line_search_closed_form()
    for k, (x, y) in enumerate(exact_iterates(b, 7)):
        at = {B: sp.Rational(b.numerator, b.denominator), K: k}
        assert x_k.subs(at) == sp.Rational(x.numerator, x.denominator)
        assert y_k.subs(at) == sp.Rational(y.numerator, y.denominator)


def test_b_equal_one_converges_in_one_step():
    iterates = exact_iterates(Fraction(1), 3)
    assert iterates[1:] == [(0, 0)] * 3
    B, K, x_k, y_k = exercise.line_search_closed_form()
    assert [x_k.subs({B: 1, K: k}) for k in range(1, 4)] == [0, 0, 0]


def test_exact_step_is_derived_and_equals_gtg_over_gthg():
    alpha = exercise.exact_step_symbolic()
    _, g = exercise.exercise_objective()
    H = sp.diag(1, exercise.B)
    assert sp.simplify(alpha - (g.T * g)[0] / (g.T * H * g)[0]) == 0


def test_induction_proof_is_all_zeros():
    proof = derivations.prove_closed_form()
    assert len(proof) == 5 and all(residual == 0 for residual in proof.values())


def test_consecutive_gradients_are_orthogonal_only_for_the_exact_step():
    assert derivations.consecutive_gradient_dot() == 0
    wrong = derivations.consecutive_gradient_dot(step=sp.Rational(1, 2))
    assert wrong != 0
    # and it really is non-zero, e.g. at b = 1/2, k = 0
    assert wrong.subs({exercise.B: sp.Rational(1, 2), exercise.K: 0}) != 0


@pytest.mark.parametrize("n", [2, 3])
def test_orthogonality_for_a_general_symbolic_quadratic(n):
    assert derivations.general_quadratic_gradient_dot(n) == 0
    assert derivations.general_quadratic_gradient_dot(n, step=sp.Rational(1, 2)) != 0


def test_the_chain_rule_identity_behind_it():
    assert derivations.directional_derivative_identity(2) == 0


def test_contraction_factor():
    rho, rho_kappa = derivations.contraction_factor()
    b, kappa = exercise.B, sp.Symbol("kappa", positive=True)
    assert sp.simplify(rho - (1 - b) / (1 + b)) == 0
    assert sp.simplify(rho_kappa - (kappa - 1) / (kappa + 1)) == 0


@pytest.mark.parametrize("dim", [3, 20, 100])
def test_numeric_exact_line_search_gives_orthogonal_gradients(dim):
    f = random_quadratic(dim, kappa=50, seed=dim)
    run = minimize(ExactLineSearch(), f, np.zeros(dim), 40)
    cosines = consecutive_gradient_cosines(f, run.thetas)
    assert len(cosines) == 40 and np.all(np.abs(cosines) < 1e-12)
    # while a fixed step is not orthogonal: the test can fail
    fixed = minimize(ExactLineSearch(), f, np.zeros(dim), 1).thetas[1]
    other = fixed + 0.1 * (fixed - np.zeros(dim))
    assert abs(consecutive_gradient_cosines(f, np.array([np.zeros(dim), other]))[0]) > 1e-3


def test_cosines_skip_pairs_at_the_minimum():
    f = Quadratic(np.eye(2))  # b = 1: the first step lands on the minimum
    run = minimize(ExactLineSearch(), f, [1.0, 1.0], 3)
    assert len(consecutive_gradient_cosines(f, run.thetas)) == 0


def test_random_quadratic_has_the_requested_condition_number():
    f = random_quadratic(7, kappa=30, seed=3)
    assert f.condition_number == pytest.approx(30)
    assert np.allclose(f.H, f.H.T)
    with pytest.raises(ValueError, match="kappa must be >= 1, got 0.5"):
        random_quadratic(3, kappa=0.5)


def test_explorer_follows_b_and_the_start():
    explorer = LineSearchExplorer(b=0.25, steps=10)
    rho = 0.75 / 1.25
    np.testing.assert_allclose(explorer.run.values[1:] / explorer.run.values[:-1], rho**2)
    assert_redraws(explorer, "b", 0.5)
    np.testing.assert_allclose(explorer.path.get_xdata()[:2], [0.5, 0.5 * (0.5 - 1) / 1.5])
    assert "b = 0.50, start = (0.50, 1.00), 10 iterations" in explorer.summary()
    assert "max |cos(∇f" in explorer.status.value
    # the start sliders only count once the exercise's start is unticked
    assert explorer.controls["x0"].disabled
    explorer.controls["x0"].value = -0.5
    assert explorer.run.thetas[0, 0] == 0.5
    explorer.controls["exercise_start"].value = False
    assert not explorer.controls["x0"].disabled
    explorer.controls["x0"].value = -0.6
    np.testing.assert_array_equal(explorer.run.thetas[0], [-0.6, 1.0])
    explorer.controls["steps"].value = 3
    assert explorer.run.steps == 3 and len(explorer.value_line.get_xdata()) == 4


def test_the_zigzag_figure_shows_the_path_and_a_right_angle_at_each_turn():
    from cs551.topics.exact_line_search import plot_zigzag, right_angle_marks

    ax = plot_zigzag(b=0.25, steps=8)
    labels = [line.get_label() for line in ax.get_lines()]
    path = ax.get_lines()[labels.index("exact line search, 8 steps")].get_xydata()
    assert len(path) == 9 and np.allclose(path[0], [0.25, 1.0])
    steps = np.diff(path, axis=0)
    lengths = np.linalg.norm(steps, axis=1)
    cosines = np.sum(steps[:-1] * steps[1:], axis=1) / (lengths[:-1] * lengths[1:])
    assert np.all(np.abs(cosines) < 1e-12)  # consecutive steps meet at right angles
    marks = ax.get_lines()[labels.index("right angles")].get_xydata()
    assert len(marks) == len(right_angle_marks(path))


def test_your_turn_feedback_says_in_plain_words_what_is_off():
    from cs551.grading import check_exact_step_expr, self_check
    from cs551.linesearch_exercise import B, X, Y

    assert self_check(check_exact_step_expr, None).startswith("Not answered yet")
    wrong = self_check(check_exact_step_expr, (X**2 + Y**2) / (X**2 + B * Y**2))
    assert wrong.startswith("Not yet.") and "the step size is wrong" in wrong
    right = (X**2 + B**2 * Y**2) / (X**2 + B**3 * Y**2)
    assert self_check(check_exact_step_expr, right, right="Right!") == "Right!"


def test_your_turn_feedback_waits_for_a_placeholder_to_be_replaced():
    from cs551.grading import check_closed_form, self_check

    def closed_form(b, k):
        raise NotImplementedError("your line here")

    assert self_check(check_closed_form, closed_form).startswith("Not answered yet")


def test_the_explorer_opens_as_the_notebook_describes_it():
    """Notebook 11 builds LineSearchExplorer(b=0.25, steps=20) and asks the student to untick
    the exercise's start: from (b, 1) f falls by exactly rho^2 per iteration, from another
    start by less (below the worst-case line)."""
    explorer = LineSearchExplorer(b=0.25, steps=20)
    rho = 0.75 / 1.25
    summary = explorer.summary().splitlines()
    assert summary[0] == "b = 0.25, start = (0.25, 1.00), 20 iterations"
    assert summary[1] == "f(theta_k+1) / f(theta_k): 0.360000 to 0.360000 (rho^2 = 0.360000)"
    f_0 = (0.25**2 + 0.25 * 1.0**2) / 2
    assert explorer.run.value == pytest.approx(f_0 * rho**40, rel=1e-9)
    assert summary[2] == f"f after 20 iterations: {f_0 * rho**40:.3e}"
    explorer.controls["exercise_start"].value = False
    explorer.controls["x0"].value, explorer.controls["y0"].value = -0.5, 0.8
    ratios = explorer.run.values[1:] / explorer.run.values[:-1]
    assert np.all(ratios < rho**2 - 0.1)  # well below the worst case
    assert np.allclose(ratios, ratios[0], rtol=1e-9)  # and constant, as the notebook says
    worst_case = explorer.run.values[0] * rho ** (2 * np.arange(21))  # the line drawn
    np.testing.assert_allclose(explorer.rate.get_ydata(), worst_case)
    assert np.all(explorer.value_line.get_ydata()[1:] < explorer.rate.get_ydata()[1:])
