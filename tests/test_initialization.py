"""Notebook 07: symmetry breaking, the scale of initial weights through depth, the explorer."""

import numpy as np
import pytest
import sympy as sp

from cs551.grading import self_check
from cs551.nn import Classifier, mlp
from cs551.optim import SGD, Adam, Momentum, Nesterov, RMSProp
from cs551.topics import initialization as ini
from cs551.topics.initialization import InitExplorer

from .helpers import add_roundoff_noise

# --- symmetry --------------------------------------------------------------------------------


def test_equal_units_get_equal_gradients_symbolically():
    differences = ini.symmetric_units_gradients()
    assert len(differences) == 3 and all(d == 0 for d in differences.values())


@pytest.mark.parametrize("optimizer", [SGD(0.1), Momentum(0.05, 0.9), Nesterov(0.05, 0.9),
                                       RMSProp(0.01), Adam(0.01)], ids=repr)
def test_constant_init_keeps_hidden_units_identical_under_any_optimizer(optimizer):
    net = mlp([64, 8, 10], "tanh")
    run = ini.train_symmetric(optimizer, ini.constant_init(net, 0.1), hidden=8, steps=60,
                              every=20)
    assert run.spread.max() == 0.0
    assert run.rank == 1
    assert run.loss[-1] < run.loss[0]  # it does learn -- just as one unit


def test_random_init_breaks_the_symmetry_and_trains_better():
    net = mlp([64, 8, 10], "tanh")
    sym = ini.train_symmetric(Momentum(0.05, 0.9), ini.constant_init(net, 0.1), hidden=8,
                              steps=100)
    rnd = ini.train_symmetric(Momentum(0.05, 0.9), ini.init_theta(net, "Xavier"), hidden=8,
                              steps=100)
    assert rnd.spread.min() > 0.1 and rnd.rank == 8
    assert rnd.loss[-1] < sym.loss[-1] / 3 and rnd.error < sym.error / 3


def test_a_tiny_perturbation_also_breaks_the_symmetry():
    net = mlp([64, 8, 10], "tanh")
    theta0 = ini.constant_init(net, 0.1) + 1e-3 * np.random.default_rng(0).normal(
        size=net.n_params)
    run = ini.train_symmetric(SGD(0.1), theta0, hidden=8, steps=100)
    assert run.rank == 8
    assert run.spread[-1] > 3 * run.spread[0]  # the differences grow


def test_constant_init_gradient_columns_are_equal():
    # one gradient evaluation: the hidden units' weight gradients are identical columns
    from cs551.data import digits

    data = digits()
    net = mlp([64, 5, 10], "relu")
    J = Classifier(net, data.X_train, data.y_train)
    g = J.full_grad(ini.constant_init(net, 0.05))
    dW, db = net.layers[0].split(net.params(g, 0))
    # equal up to round-off: some BLAS kernels (OpenBLAS 0.3.21 with numpy 1.24) compute the
    # last columns of a product by another code path, whose last bits differ
    scale = np.abs(g).max()  # the whole gradient's size (this layer's can be round-off small)
    np.testing.assert_allclose(dW, np.repeat(dW[:, :1], 5, axis=1), rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(db, db[0], rtol=0, atol=1e-12 * scale)
    assert scale > 0


# --- the variance formulas -------------------------------------------------------------------


def test_variance_formulas_are_derived():
    assert ini.relu_derivative_second_moment() == sp.Rational(1, 2)
    law = ini.variance_through_depth()
    n, var, q = sp.symbols("n sigma_w^2 q", positive=True)
    assert sp.simplify(law["forward ratio"] - n * var / 2) == 0
    assert sp.simplify(law["backward ratio"] - law["forward ratio"]) == 0
    assert sp.simplify(law["ratio 1 at"] - 2 / n) == 0
    layer = next(s for s in law["Var(z_l)"].free_symbols if s.name == "l")
    for value in range(1, 6):  # the solution satisfies the recurrence and the start
        v = law["Var(z_l)"]
        assert sp.simplify(v.subs(layer, value + 1) - n * var / 2 * v.subs(layer, value)) == 0
    assert sp.simplify(law["Var(z_l)"].subs(layer, 1) - n * var * q) == 0
    variances = ini.init_variances()
    n_in = next(s for s in variances["He (ReLU)"].free_symbols if s.name == "n_in")
    assert variances["He (ReLU)"] == 2 / n_in


def test_schemes_match_their_formulas():
    assert ini.SCHEMES["He"](50, 10) == pytest.approx(np.sqrt(2 / 50))
    assert ini.SCHEMES["Xavier"](50, 10) == pytest.approx(np.sqrt(2 / 60))
    net = mlp([200, 300, 10])
    theta = ini.init_theta(net, "He", seed=3)
    W, b = net.layers[0].split(net.params(theta, 0))
    assert W.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02) and not b.any()


@pytest.mark.parametrize("scheme", list(ini.SCHEMES))
def test_measured_relu_ratio_is_the_predicted_n_sigma2_over_2(scheme):
    predicted = ini.predicted_ratio("relu", scheme, 128)
    stds = [ini.signal_stds(8, 128, "relu", scheme, seed=k) for k in range(4)]
    forward = [ini.measured_ratio(s.forward) for s in stds]
    backward = [1 / ini.measured_ratio(s.backward) for s in stds]
    assert np.mean(forward) == pytest.approx(predicted, rel=0.1)
    assert np.mean(backward) == pytest.approx(predicted, rel=0.1)


def test_first_layer_variance_is_n_sigma2():
    s = ini.signal_stds(1, 100, "relu", "large", samples=500)
    assert s.forward[0] ** 2 == pytest.approx(100 * 1.0**2, rel=0.1)


def test_tanh_signal_vanishes_small_and_saturates_large():
    small = ini.signal_stds(20, 64, "tanh", "small")
    large = ini.signal_stds(20, 64, "tanh", "large")
    xavier = ini.signal_stds(20, 64, "tanh", "Xavier")
    assert small.forward[-1] < 1e-15 and small.backward[0] < 1e-15
    # saturation: the forward size stays put, bounded by sqrt(n) sigma_w * 1 (|tanh| <= 1)
    assert 0.5 * large.forward[0] < large.forward[-1] <= 8.0
    assert large.backward[0] > 1e3  # while the backward signal explodes
    # tanh's ratio is at most the linear n sigma_w^2 = 1 for Xavier: slow decay
    assert 0.05 < xavier.forward[-1] < xavier.forward[0]


def test_bad_scale_stalls_training_on_digits():
    runs = {s: ini.train_deep(s, "tanh", hidden=(32,) * 4, steps=100, every=100)
            for s in ("small", "Xavier")}
    small, xavier = runs["small"], runs["Xavier"]
    assert abs(small.train_loss[-1] - np.log(10)) < 0.01  # chance: it has not moved
    assert small.train_error[-1] > 0.8
    assert xavier.train_loss[-1] < 0.2 and xavier.val_error[-1] < 0.1


def test_large_scale_trains_slowly_whatever_the_round_off(monkeypatch):
    """The notebook prints the large-scale run only as a comparison with Xavier's: its own
    figures change with a few ulps of noise per step (another machine's round-off)."""
    def final(scheme):
        h = ini.train_deep(scheme, "tanh", hidden=(32,) * 4, steps=100, every=100)
        return h.train_loss[-1], h.val_error[-1]

    xavier_loss = final("Xavier")[0]
    for seed in (1, 2):
        add_roundoff_noise(monkeypatch, seed)
        loss, error = final("large")
        assert loss > 7 * xavier_loss and error > 0.25


def test_bad_arguments_raise_clear_errors():
    net = mlp([4, 3, 2])
    with pytest.raises(ValueError, match="scheme must be one of"):
        ini.init_theta(net, "Kaiming")
    with pytest.raises(ValueError, match="layer must index a hidden Dense layer"):
        ini.unit_spread(net, np.zeros(net.n_params), layer=1)
    with pytest.raises(ValueError, match="depth must be an integer"):
        ini.signal_stds(0)
    with pytest.raises(ValueError, match="activation must be one of"):
        ini.signal_stds(3, activation="gelu")
    with pytest.raises(ValueError, match="activation must be 'relu' or 'tanh'"):
        ini.predicted_ratio("sigmoid", "He", 10)
    with pytest.raises(ValueError, match="values must hold"):
        ini.measured_ratio([1.0])
    with pytest.raises(ValueError, match="width must be an integer"):
        InitExplorer(width=1000)


# --- plots and explorer ----------------------------------------------------------------------


def test_plot_signal_stds_draws_both_directions():
    from cs551.topics.initialization import plot_signal_stds

    s = ini.signal_stds(5, 32, "relu", "He")
    fig = plot_signal_stds({"He": s})
    ax_f, ax_b = fig.axes
    np.testing.assert_allclose(ax_f.get_lines()[0].get_ydata(), s.forward)
    np.testing.assert_allclose(ax_b.get_lines()[0].get_ydata(), s.backward)


def test_explorer_follows_its_controls():
    ex = InitExplorer(depth=10, scheme="He", activation="relu")
    assert len(ex.measured[0].get_xdata()) == 10
    image = ex.image.value
    ex.controls["depth"].value = 25
    assert len(ex.measured[0].get_xdata()) == 25 and ex.stats.depth == 25
    ex.controls["scheme"].value = "small"
    assert ex.image.value != image
    forward = ex.measured[0].get_ydata()
    assert forward[-1] == InitExplorer.LIMITS[0]  # vanished below the axis: drawn at the edge
    assert "small init, depth 25" in ex.summary()
    # the dashed prediction follows the measured curve: ratio 64 * 1e-4 / 2 per layer
    predicted = ex.predicted[0].get_ydata()
    assert predicted[0] == pytest.approx(forward[0], rel=0.1)  # layer 1: n sigma_w^2
    assert predicted[4] == pytest.approx(forward[4], rel=0.5)  # layer 5: 1e-5 smaller
    ex.controls["activation"].value = "tanh"
    assert "upper bound for tanh" in ex.status.value
    assert ex.stats.activation == "tanh"


def test_each_scheme_keeps_its_colour_in_every_figure():
    from cs551.plots import plot_histories

    assert ini.scheme_color("ReLU, He") == ini.SCHEME_COLORS["He"]
    assert ini.scheme_color("tanh, large") == ini.SCHEME_COLORS["large"]
    assert ini.scheme_color("Heavy ball") is None  # whole words only
    stats = {f"ReLU, {s}": ini.signal_stds(3, 8, "relu", s, samples=4) for s in ("He", "large")}
    fig = ini.plot_signal_stds(stats)
    colors = [line.get_color() for line in fig.axes[0].get_lines()]
    assert colors == [ini.SCHEME_COLORS["He"], ini.SCHEME_COLORS["large"]]
    history = ini.train_deep("large", "tanh", hidden=(8,), steps=2, every=1)
    ax = plot_histories({"large": history}, colors=ini.SCHEME_COLORS)
    assert ax.get_lines()[0].get_color() == ini.SCHEME_COLORS["large"]


def test_explorer_opens_in_the_state_the_notebook_describes():
    """He with ReLU at depth 10: both signals stay of order 1; 'small' makes them vanish."""
    ex = InitExplorer(depth=10, scheme="He", activation="relu")
    assert "relu, He init, depth 10, width 64:" in ex.summary()
    assert 0.3 < ex.stats.forward[-1] < 3 and 0.3 < ex.stats.backward[0] < 3
    ex.controls["scheme"].value = "small"
    assert ex.stats.forward[-1] < 1e-10 and ex.stats.backward[0] < 1e-10
    ex.controls["scheme"].value = "large"
    assert ex.stats.forward[-1] > 1e5 and ex.stats.backward[0] > 1e5


# --- the notebook's "your turn" check ---------------------------------------------------------


def init_std(scheme, n_in, n_out):
    if scheme == "He":
        return np.sqrt(2 / n_in)
    return np.sqrt(2 / (n_in + n_out))


def assert_explains(student, words):
    verdict = self_check(ini.check_init_std, student)
    assert verdict.startswith("Not yet.") and words in verdict, verdict
    assert verdict == self_check(ini.check_init_std, student)  # seeded: nbval compares it
    assert max(len(line) for line in verdict.splitlines()) < 100
    assert "None" not in verdict and "nan" not in verdict


def test_init_std_check_passes_the_right_answer_and_explains_wrong_ones():
    assert self_check(ini.check_init_std, init_std) == "Right."
    assert self_check(ini.check_init_std, lambda scheme, n_in, n_out: ini.SCHEMES[scheme](
        n_in, n_out)) == "Right."

    def placeholder(scheme, n_in, n_out):
        raise NotImplementedError("your line here")

    assert self_check(ini.check_init_std, placeholder).startswith("Not answered yet")
    assert_explains(lambda *a: init_std(*a) ** 2, "the variance")
    assert_explains(lambda s, n_in, n_out: init_std(s, n_out, n_in), "fan-in")
    assert_explains(lambda s, n_in, n_out: init_std(s, n_in, n_out) if s == "He"
                    else np.sqrt(1 / (n_in + n_out)), "Xavier's is 2 / (n_in + n_out)")
    assert_explains(lambda s, n_in, n_out: None, "returns nothing")
    assert_explains(lambda s, n_in, n_out: np.full(3, 0.1), "not one number")
