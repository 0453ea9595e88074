"""Batch normalization in networks (notebook 10): mlp(batchnorm=True), inference, training.

The transform, its backward pass and the inference statistics themselves are tested in
tests/test_batchnorm.py; this file tests what builds on them.
"""

import threading

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy as sp

from cs551.data import digits
from cs551.gradcheck import numerical_gradient, relative_error
from cs551.grading import check_batchnorm_backward, self_check
from cs551.nn import (
    BatchNorm,
    Classifier,
    Dense,
    Network,
    ReLU,
    Tanh,
    backward,
    forward,
    mlp,
    population_statistics,
    running_average,
    set_population_statistics,
    softmax_cross_entropy,
)
from cs551.topics import batch_normalization as bn
from cs551.topics.batch_normalization import BatchNormExplorer
from cs551.topics.batch_normalization import explorer as bn_explorer

from .helpers import PNG, add_roundoff_noise, assert_redraws

# --- mlp(..., batchnorm=True) ---


def test_mlp_puts_a_batchnorm_after_every_hidden_dense_layer_before_its_activation():
    net = mlp([5, 4, 3, 2], activation="tanh", batchnorm=True)
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [Dense, BatchNorm, Tanh, Dense, BatchNorm, Tanh, Dense]
    assert [layer.n for layer in net.layers if isinstance(layer, BatchNorm)] == [4, 3]
    assert net.n_params == mlp([5, 4, 3, 2]).n_params + 2 * (4 + 3)  # gamma and beta per unit
    assert [type(layer) for layer in mlp([5, 2], batchnorm=True).layers] == [Dense]


def test_mlp_with_batchnorm_backward_matches_finite_differences():
    net = mlp([3, 5, 4, 2], batchnorm=True)
    theta = net.init(seed=1) + np.random.default_rng(2).normal(size=net.n_params) * 0.1
    X = np.random.default_rng(3).normal(size=(6, 3))
    dout = np.random.default_rng(4).normal(size=(6, 2))
    grad = net.backward(theta, net.forward(theta, X)[1], dout)
    numeric = numerical_gradient(lambda t: float(np.sum(dout * net.forward(t, X)[0])), theta)
    assert relative_error(grad, numeric) < 1e-6


def test_mlp_batchnorm_must_be_a_bool():
    with pytest.raises(ValueError, match="batchnorm must be True or False, got 'yes'"):
        mlp([3, 2], batchnorm="yes")


# --- the transform's invariance and what it means for the gradient ---


def test_bn_ignores_a_shift_and_positive_scale_of_its_input_and_its_gradient_is_orthogonal():
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.normal(size=(7, 3)) * 4 + 1, rng.normal(size=3), rng.normal(size=3)
    y, cache = forward(x, gamma, beta, eps=0.0)
    np.testing.assert_allclose(forward(3.5 * x - 2.0, gamma, beta, eps=0.0)[0], y,
                               atol=1e-12)
    dx, _, _ = backward(rng.normal(size=x.shape), cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12)  # no component along a shift
    np.testing.assert_allclose((cache.x_hat * dx).sum(axis=0), 0, atol=1e-12)  # nor a scaling
    assert np.abs(dx).max() > 0.1  # and it is not zero


@pytest.mark.parametrize("factor, layer", [(2.0, 0), (10.0, 0), (0.5, 3)])
def test_rescaling_weights_before_bn_leaves_outputs_and_divides_the_gradient(factor, layer):
    data = digits()
    X, y = data.X_train[:32], data.y_train[:32]
    net = bn.digits_mlp(4, batchnorm=True)
    change, ratio = bn.rescaling_effect(net, net.init(seed=1), X, y, factor, layer)
    assert change < 1e-4  # only eps = 1e-5 breaks the invariance
    assert ratio == pytest.approx(1 / factor, rel=1e-4)


def test_rescaling_a_plain_relu_network_scales_its_outputs():
    data = digits()
    net = bn.digits_mlp(4, batchnorm=False)  # zero biases at init: positively homogeneous
    change, _ = bn.rescaling_effect(net, net.init(seed=1), data.X_train[:32], data.y_train[:32],
                                    factor=3.0)
    assert change == pytest.approx(2.0, rel=1e-9)  # outputs x 3: a change of 200%


def test_rescaling_effect_checks_its_arguments():
    net = bn.digits_mlp(2, batchnorm=True)
    X, y = np.zeros((4, 64)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="layer must index a Dense layer of net, got 1"):
        bn.rescaling_effect(net, net.init(), X, y, layer=1)
    with pytest.raises(ValueError, match="factor must be a finite number > 0, got 0"):
        bn.rescaling_effect(net, net.init(), X, y, factor=0)


# --- inference: measuring leaves the running averages alone; folding ---


def _trained_bn_net(seed=0):
    net = mlp([4, 6, 5, 3], batchnorm=True)
    theta = net.init(seed=seed) + np.random.default_rng(seed).normal(size=net.n_params) * 0.2
    X = np.random.default_rng(seed + 1).normal(size=(200, 4)) * [1, 3, 0.5, 2] + 1
    for start in range(0, 200, 20):  # training-mode passes set the running averages
        net.forward(theta, X[start:start + 20], train=True)
    return net, theta, X


def test_population_statistics_and_activation_probes_do_not_move_the_running_averages():
    net, theta, X = _trained_bn_net()
    layers = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    before = [(layer.running_mean.copy(), layer.running_var.copy()) for layer in layers]
    set_population_statistics(net, theta, X, batch_size=16, batches=10)
    bn.pre_activations(net, theta, X)
    for layer, (mean, var) in zip(layers, before, strict=True):
        np.testing.assert_array_equal(layer.running_mean, mean)
        np.testing.assert_array_equal(layer.running_var, var)
        assert not np.allclose(layer.population[0], mean)  # the two estimates are different
    net.forward(theta, X[:16], train=True)  # while a real training step still updates them
    assert not np.array_equal(layers[0].running_mean, before[0][0])


def test_evaluating_the_loss_leaves_the_running_averages_a_gradient_step_updates_them():
    net, theta, X = _trained_bn_net(seed=5)
    labels = np.arange(len(X)) % 3
    J = Classifier(net, X, labels, batch_size=16, seed=0)
    layer = net.layers[1]
    before = layer.running_mean.copy()
    J.value(theta)  # a training-mode pass over all of X, to evaluate J(theta)
    J.error_rate(theta)
    np.testing.assert_array_equal(layer.running_mean, before)
    J.grad(theta)  # a training step's minibatch does move them
    assert not np.array_equal(layer.running_mean, before)


@pytest.mark.parametrize("population", [False, True])
def test_folded_network_reproduces_the_bn_network_at_inference(population):
    net, theta, X = _trained_bn_net(seed=3)
    if population:
        set_population_statistics(net, theta, X, batch_size=20, batches=30)
    plain, plain_theta = bn.fold_network(net, theta)
    assert not any(isinstance(layer, BatchNorm) for layer in plain.layers)
    assert [type(layer) for layer in plain.layers] == [Dense, ReLU, Dense, ReLU, Dense]
    expected = net.forward(theta, X, train=False)[0]
    np.testing.assert_allclose(plain.forward(plain_theta, X)[0], expected, rtol=0, atol=1e-12)
    # and the training-mode outputs (batch statistics) are something else
    assert np.abs(net.forward(theta, X[:10], train=True)[0] - expected[:10]).max() > 1e-3


def test_fold_network_needs_each_batchnorm_after_a_dense_layer():
    net = Network([BatchNorm(3), Dense(3, 2)])
    with pytest.raises(ValueError, match=r"layer 0 \(BatchNorm\(3\)\) must follow a Dense layer"):
        bn.fold_network(net, net.init())


# --- the symbolic facts behind inference ---


@pytest.mark.parametrize("m", [2, 3, 5])
def test_expected_minibatch_variance_is_biased_by_m_minus_1_over_m(m):
    expected, mu, sigma = bn.expected_minibatch_variance(m)
    assert sp.simplify(expected - sp.Rational(m - 1, m) * sigma**2) == 0
    assert mu not in expected.free_symbols  # the mean does not matter


def test_expected_minibatch_variance_agrees_with_sampling():
    rng = np.random.default_rng(0)
    samples = rng.normal(3.0, 2.0, size=(200_000, 4))
    expected, mu, sigma = bn.expected_minibatch_variance(4)
    assert samples.var(axis=1).mean() == pytest.approx(float(expected.subs(sigma, 2.0)), rel=0.01)


def test_expected_minibatch_variance_checks_m():
    with pytest.raises(ValueError, match="m must be an integer >= 2, got 1"):
        bn.expected_minibatch_variance(1)


def test_running_average_lag_is_c_alpha_over_1_minus_alpha():
    weights, lag, alpha, c = bn.running_average_lag_symbolic()
    assert sp.simplify(weights - 1) == 0
    assert sp.simplify(lag - c * alpha / (1 - alpha)) == 0


@pytest.mark.parametrize("momentum, drift", [(0.9, 0.5), (0.99, -0.1), (0.5, 2.0)])
def test_running_average_lags_a_linear_drift_as_predicted(momentum, drift):
    spread = np.linspace(-1, 1, 6)[:, None]
    batches = [np.full((6, 1), drift * t) + spread for t in range(3000)]
    mean, _ = running_average(batches, momentum=momentum)
    assert batches[-1].mean() - mean[0] == pytest.approx(drift * momentum / (1 - momentum),
                                                          rel=1e-6)


# --- the backward pass: derived by SymPy, and the notebook's "your turn" ---


@pytest.mark.parametrize("m", [2, 3, 4])
def test_sympy_staged_chain_rule_and_collected_formula_equal_the_derivative(m):
    derivation = bn.batchnorm_backward_by_sympy(m)
    for name, residuals in derivation["residuals"].items():
        assert residuals == [0] * len(residuals), name
    assert len(derivation["residuals"]["collected formula"]) == m


def test_sympy_backward_matches_the_library_at_a_point_and_tells_a_wrong_formula():
    derivation = bn.batchnorm_backward_by_sympy(3)
    L, direct = derivation["L"], derivation["direct"]
    symbols = {s.name: s for s in L.free_symbols}
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(3, 1)), rng.normal(size=(3, 1))
    gamma, eps = 1.7, 0.01
    point = {symbols[f"x_{i + 1}"]: x[i, 0] for i in range(3)}
    point |= {symbols[f"g_{i + 1}"]: g[i, 0] for i in range(3)}
    point |= {symbols["gamma"]: gamma, symbols["epsilon"]: eps, symbols["beta"]: 0.3}
    _, cache = forward(x, np.array([gamma]), np.array([0.3]), eps)
    dx, _, _ = backward(g, cache)
    np.testing.assert_allclose([float(d.subs(point)) for d in direct], dx[:, 0], rtol=1e-12)
    # the naive gradient (batch statistics held constant) is not the derivative
    naive = [symbols["gamma"] * symbols[f"g_{i + 1}"] * cache.inv_std[0] for i in range(3)]
    assert max(abs(float((d - n).subs(point))) for d, n in zip(direct, naive, strict=True)) > 0.1


def test_sympy_backward_checks_m():
    with pytest.raises(ValueError, match="m must be an integer >= 2, got 1"):
        bn.batchnorm_backward_by_sympy(1)


def worked_batchnorm_backward(dy, x, gamma, eps):  # the notebook's worked answer
    m = x.shape[0]
    mu_B = x.sum(axis=0) / m
    sigma2_B = ((x - mu_B) ** 2).sum(axis=0) / m
    x_hat = (x - mu_B) / np.sqrt(sigma2_B + eps)
    dgamma = (dy * x_hat).sum(axis=0)
    dbeta = dy.sum(axis=0)
    dx = gamma / (m * np.sqrt(sigma2_B + eps)) * (m * dy - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def test_the_notebooks_worked_backward_is_right_and_the_naive_one_is_not():
    def check(f):  # as the notebook calls it
        return check_batchnorm_backward(f, seed=0)

    assert self_check(check, worked_batchnorm_backward) == "Right."
    check_batchnorm_backward(worked_batchnorm_backward)  # any seed

    def naive(dy, x, gamma, eps):
        dx, dgamma, dbeta = worked_batchnorm_backward(dy, x, gamma, eps)
        return gamma * dy / np.sqrt(x.var(axis=0) + eps), dgamma, dbeta

    def placeholder(dy, x, gamma, eps):
        dx = None  # the notebook's placeholder
        if dx is None:
            raise NotImplementedError("your line here")

    message = self_check(check, naive)
    assert message.startswith("Not yet.") and "the returned dx is wrong" in message
    assert message == self_check(check, naive)  # seeded: the same words every run
    assert self_check(check, placeholder).startswith("Not answered yet")


# --- beyond the slides: PyTorch's BatchNorm1d running statistics ---


def _batches(seed=1, count=40, m=16):
    rng = np.random.default_rng(seed)
    return [rng.normal([2.0, -1.0, 0.0], [3.0, 0.5, 1.0], size=(m, 3)) for _ in range(count)]


@pytest.mark.parametrize("momentum", [0.1, 0.01, 0.3])
def test_pytorch_momentum_is_one_minus_the_course_alpha(momentum):
    batches = _batches()
    torch_mean, torch_var = bn.torch_running_statistics(batches, momentum=momentum)
    mean, var = running_average(batches, momentum=1 - momentum)
    np.testing.assert_allclose(torch_mean, mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(torch_var, var, rtol=0, atol=1e-12)
    layer = BatchNorm(3, momentum=1 - momentum)  # the course's layer keeps the same statistics
    params = layer.init(None)
    for batch in batches:
        layer.forward(params, batch, train=True)
    np.testing.assert_allclose(layer.running_mean, torch_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.running_var, torch_var, rtol=0, atol=1e-12)
    # copying the number over as alpha is something else
    wrong_mean, wrong_var = running_average(batches, momentum=momentum)
    assert np.max(np.abs(wrong_var - torch_var)) > 0.1


def test_pytorch_stores_the_unbiased_variance_and_starts_from_zero_and_one():
    batch = _batches(count=1, m=5)[0]
    mean, var = bn.torch_running_statistics([batch], momentum=0.1)
    np.testing.assert_allclose(mean, 0.1 * batch.mean(axis=0))
    np.testing.assert_allclose(var, 0.9 + 0.1 * batch.var(axis=0) * 5 / 4)
    y, cache = forward(batch, np.ones(3), np.zeros(3), eps=1e-5)  # normalized: biased variance
    np.testing.assert_allclose(y.var(axis=0), cache.var / (cache.var + 1e-5))


def test_pytorch_momentum_none_is_the_slides_population_statistics():
    batches = _batches(seed=4, count=25, m=8)
    simple_mean, simple_var = bn.torch_running_statistics(batches, momentum=None)
    E_x, Var_x = population_statistics(batches)
    np.testing.assert_allclose(simple_mean, E_x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(simple_var, Var_x, rtol=0, atol=1e-12)


def test_torch_running_statistics_checks_its_arguments():
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        bn.torch_running_statistics(_batches(count=2), momentum=1.5)
    with pytest.raises(ValueError, match="m >= 2"):
        bn.torch_running_statistics([np.ones((1, 3))])
    with pytest.raises(ValueError, match="at least one minibatch"):
        bn.torch_running_statistics([])


# --- training deep networks with and without BN (the notebook's experiments) ---


@pytest.fixture(scope="module")
def sweep():
    return bn.compare_learning_rates(depth=6, lrs=(0.3, 1.0, 3.0), steps=150)


def test_the_runs_are_paired_same_start_same_minibatches(sweep):
    plain, with_bn = sweep[0.3, False], sweep[0.3, True]
    assert with_bn.net.n_params == plain.net.n_params + 2 * 6 * 32
    assert plain.history.steps[:3] == [0, 10, 20] and plain.steps == with_bn.steps == 150
    # identical Dense weights at step 0, hence nearly the same initial loss (BN rescales)
    assert abs(plain.history.train_loss[0] - with_bn.history.train_loss[0]) < 0.3


def test_bn_trains_at_a_learning_rate_where_plain_stalls(sweep):
    plain, with_bn = sweep[1.0, False], sweep[1.0, True]
    assert not plain.history.diverged and not with_bn.history.diverged
    assert plain.final_loss > 1.0  # stuck: cross-entropy of chance is log 10 = 2.3
    assert with_bn.final_loss < 0.3
    # most images misclassified by the stalled run
    assert with_bn.history.train_error[-1] < 0.1 < 0.5 < plain.history.train_error[-1]
    # the stalled run prints only its verdict, the healthy one its figures
    assert plain.outcome() == f"stalled: loss above {bn.STALLED} (chance: ln 10 = 2.30)"
    assert with_bn.outcome().startswith("loss 0.")


def test_the_stall_verdict_holds_under_other_machines_round_off(monkeypatch):
    """The plain run at lr = 1 is chaotic: a few ulps of noise per step (another machine's
    round-off) change its final loss, but it stays above STALLED, and the BN run at lr = 3
    stays below it."""
    for seed in (1, 2):
        add_roundoff_noise(monkeypatch, seed)
        runs = bn.compare_learning_rates(depth=6, lrs=(1.0, 3.0), steps=150)
        assert runs[1.0, False].final_loss > bn.STALLED + 0.2
        assert runs[1.0, False].history.train_error[-1] > 0.5  # most images misclassified
        assert runs[3.0, True].final_loss < bn.STALLED - 0.1


def test_plain_diverges_at_a_learning_rate_bn_survives(sweep):
    assert sweep[3.0, False].history.diverged
    assert "diverged" in sweep[3.0, False].outcome()
    assert not sweep[3.0, True].history.diverged
    assert sweep[3.0, True].final_loss < sweep[3.0, True].history.train_loss[0]


def test_bn_allows_a_larger_learning_rate(sweep):
    assert bn.largest_good_lr(sweep, batchnorm=True) > bn.largest_good_lr(sweep, batchnorm=False)
    assert bn.largest_good_lr(sweep, batchnorm=False, loss=0.01) is None


def test_after_training_running_averages_and_population_statistics_agree(sweep):
    run = sweep[1.0, True]
    net, theta, data = run.net, run.history.theta, digits()
    running = np.mean(net.predict(theta, data.X_val) != data.y_val)
    set_population_statistics(net, theta, data.X_train, batch_size=32, batches=50)
    try:
        population = np.mean(net.predict(theta, data.X_val) != data.y_val)
        plain, plain_theta = bn.fold_network(net, theta)
        folded = np.mean(plain.predict(plain_theta, data.X_val) != data.y_val)
    finally:
        for layer in net.layers:
            if isinstance(layer, BatchNorm):
                layer.population = None
    assert population < 0.15  # the trained network generalizes
    assert abs(running - population) <= 0.01
    assert folded == population


def test_the_deeper_the_plain_network_the_smaller_its_usable_learning_rate():
    """The notebook's exercise 1: depth 2 vs 8 (the explorer's extremes)."""
    shallow = bn.compare_learning_rates(2, (0.3, 1.0), steps=150)
    deep = bn.compare_learning_rates(8, (0.3, 1.0), steps=150)
    assert bn.largest_good_lr(shallow, batchnorm=False) == 1.0
    assert bn.largest_good_lr(deep, batchnorm=False) is None  # not even 0.3 reaches 0.5
    assert bn.largest_good_lr(shallow, batchnorm=True) == bn.largest_good_lr(deep, True) == 1.0


@pytest.fixture(scope="module")
def layer_stats():
    checkpoints = (0, 50, 150)
    return {b: bn.activation_statistics(6, 0.1, b, checkpoints) for b in (False, True)}


def test_without_bn_pre_activations_shrink_with_depth_then_drift(layer_stats):
    stats = layer_stats[False]
    assert stats.shape == (3, 6, 2)
    std = stats[..., 1]
    assert std[0, -1] < 0.3 * std[0, 0]  # at initialization: ~ 2^(-1/2) per layer
    assert std[-1, -1] > 5 * std[0, -1]  # during training the deep layers' scale moves
    assert abs(stats[-1, -1, 0] - stats[0, -1, 0]) > 0.3  # and so does their mean


def test_with_bn_pre_activations_keep_mean_beta_and_std_gamma(layer_stats):
    stats = layer_stats[True]
    np.testing.assert_allclose(stats[0, :, 0], 0, atol=1e-9)  # beta = 0 at the start
    np.testing.assert_allclose(stats[0, :, 1], 1, atol=1e-4)  # gamma = 1 (eps shows at 1e-5)
    assert np.all(np.abs(np.log(stats[..., 1])) < np.log(1.5))  # moves only with gamma
    assert np.all(np.abs(stats[..., 0]) < 0.3)


def test_activation_statistics_checks_its_checkpoints():
    with pytest.raises(ValueError, match="checkpoint must be an integer >= 0, got -1"):
        bn.activation_statistics(2, 0.1, True, checkpoints=(0, -1))


@pytest.fixture(scope="module")
def lag():
    """The running average's lag behind the population mean: lr 0.02, then 0.5 from step 80."""
    return bn.running_average_lag(lrs=(0.02, 0.5), switch=80, steps=160, batches=20)


def test_running_average_trails_further_after_the_learning_rate_goes_up(lag):
    record = lag
    assert list(record.steps) == list(range(10, 161, 10))
    assert record.lr[0] == 0.02 and record.lr[-1] == 0.5
    before = record.gap[(record.steps >= 30) & (record.steps <= 80)].mean()
    after = record.gap[record.steps > 80].mean()
    assert after > 1.5 * before
    assert record.gap[0] > 2 * before  # and at the start it has not forgotten its 0 yet


def test_a_slow_running_average_has_not_forgotten_its_start_after_160_steps(lag):
    """The notebook's exercise 4: momentum 0.99 instead of 0.9."""
    fast = lag
    slow = bn.running_average_lag(lrs=(0.02, 0.5), switch=80, steps=160, batches=20,
                                  momentum=0.99)
    assert slow.momentum == 0.99
    assert slow.gap.min() > 1.5 * fast.gap[fast.steps >= 30].max()
    assert np.all(np.diff(slow.gap[:8]) < 0)  # still forgetting the initial 0 before the switch


def test_running_average_lag_checks_its_arguments():
    with pytest.raises(ValueError, match=r"switch must be in \[0, 20\], got 30"):
        bn.running_average_lag(switch=30, steps=20)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be a finite number > 0, got -1"):
        bn.running_average_lag(lrs=(0.1, -1), switch=5, steps=10)


# --- the explorer ---


def test_explorer_shows_the_cached_runs_and_updates_on_a_slider_move(sweep, monkeypatch):
    explorer = BatchNormExplorer(depth=6, lr=1.0, steps=150, runs=sweep)
    trained = []
    real_train = bn_explorer.digits_run
    monkeypatch.setattr(bn_explorer, "digits_run",
                        lambda *a, **k: trained.append(a) or real_train(*a, **k))
    assert bytes(explorer.image.value).startswith(PNG)
    history = sweep[1.0, True].history
    np.testing.assert_array_equal(explorer.lines[True].get_xdata(), history.steps)
    assert "with BN: loss 0." in explorer.summary()  # as the notebook leaves it: lr = 1,
    assert "plain: stalled" in explorer.summary()  # the plain network stalls, BN trains
    assert "6 hidden layers, lr = 1" in explorer.summary()

    assert_redraws(explorer, "lr", 3.0)
    assert trained == []  # cached: no training
    assert len(explorer.crosses[False].get_xdata()) == 1  # the plain run diverged: a cross
    assert len(explorer.crosses[True].get_xdata()) == 0
    assert "diverged" in explorer.status.value and "plain: diverged" in explorer.summary()


def test_explorer_trains_a_new_pair_once_and_caches_it():
    explorer = BatchNormExplorer(depth=2, lr=0.1, steps=20)
    assert set(explorer.cache) == {(2, 0.1, False), (2, 0.1, True)}  # the first picture waits
    explorer.controls["depth"].value = 4  # trained in the worker thread
    assert explorer.cache.wait(timeout=60)
    assert (4, 0.1, True) in explorer.cache and len(explorer.cache) == 4
    run = explorer.cache[4, 0.1, True]
    assert run.depth == 4 and run.steps == 20
    np.testing.assert_array_equal(explorer.lines[True].get_ydata(),
                                  np.clip(run.history.train_loss, *explorer.YLIM))
    assert "4 hidden layers" in explorer.summary() and "training" not in explorer.summary()
    explorer.controls["depth"].value = 2
    assert len(explorer.cache) == 4


@pytest.fixture
def gated_training(monkeypatch):
    """``digits_run`` made to wait for ``gate`` before it trains; ``trained`` lists its calls,
    and ``entered`` is set once a call waits at the gate."""
    gate, entered, trained = threading.Event(), threading.Event(), []
    real_train = bn_explorer.digits_run

    def train(depth, lr, batchnorm, **kwargs):
        entered.set()
        assert gate.wait(timeout=60)
        trained.append((depth, lr, batchnorm))
        return real_train(depth, lr, batchnorm, **kwargs)

    monkeypatch.setattr(bn_explorer, "digits_run", train)
    return gate, entered, trained


def test_explorer_says_it_is_training_and_stays_responsive_meanwhile(gated_training):
    """A move to an untrained pair returns at once with "training…" in the status and the
    picture (no stale curves); a move to a cached pair meanwhile is drawn at once, and the
    training, when done, does not overwrite it."""
    gate, _, trained = gated_training
    explorer = BatchNormExplorer(depth=2, lr=0.1, steps=20, runs=_runs_of(2, 0.1))
    cached = bytes(explorer.image.value)
    explorer.controls["depth"].value = 4  # returns while the worker waits at the gate
    assert "training…" in explorer.status.value and "training" in explorer.summary()
    assert explorer.training.get_text().startswith("training 4 hidden layers")
    assert len(explorer.lines[True].get_xdata()) == 0  # the 2-layer curves are gone
    assert bytes(explorer.image.value) != cached
    explorer.controls["depth"].value = 2  # cached: drawn now, while the worker still waits
    assert bytes(explorer.image.value) == cached and "training" not in explorer.status.value
    gate.set()
    assert explorer.cache.wait(timeout=60)
    assert set(trained) == {(4, 0.1, False), (4, 0.1, True)}  # trained and kept for later...
    assert bytes(explorer.image.value) == cached  # ...but the picture stays at 2 layers
    assert "2 hidden layers" in explorer.summary()


def test_a_drag_across_untrained_pairs_trains_only_where_it_stops(gated_training):
    """Values in quick succession: the pair in training finishes, the ones passed over are
    skipped, and the picture settles on the pair the slider stopped at."""
    gate, entered, trained = gated_training
    explorer = BatchNormExplorer(depth=2, lr=0.1, steps=20, runs=_runs_of(2, 0.1))
    explorer.controls["lr"].value = 0.3
    # the worker starts on 0.3 and is held there while the slider moves on (it runs at the
    # lowest CPU priority: on a busy machine it may start after the next moves, unless awaited)
    assert entered.wait(timeout=60)
    for lr in (1.0, 3.0, 1.0):
        explorer.controls["lr"].value = lr
    gate.set()
    assert explorer.cache.wait(timeout=60)
    assert {lr for _, lr, _ in trained} == {0.3, 1.0}  # 3.0 was passed over
    assert "lr = 1," in explorer.summary() and "training" not in explorer.summary()
    settled = bytes(explorer.image.value)
    explorer.controls["lr"].value = 0.1
    explorer.controls["lr"].value = 1.0  # cached now: the picture of lr = 1 itself
    assert bytes(explorer.image.value) == settled


def _runs_of(depth: int, lr: float, steps: int = 20) -> dict:
    return {(lr, b): bn.digits_run(depth, lr, b, steps=steps) for b in (False, True)}


def test_explorer_trains_the_neighbours_ahead_when_asked_to():
    explorer = BatchNormExplorer(depth=2, lr=0.1, steps=20, prefetch=True)
    assert explorer.cache.wait(timeout=60)  # outside a kernel the worker need not wait for idle
    assert set(explorer.cache) == {(d, lr, bn) for d, lr in ((2, 0.1), (4, 0.1), (2, 0.3),
                                                             (2, 0.03)) for bn in (False, True)}
    assert not BatchNormExplorer(depth=2, lr=0.1, steps=20).cache.prefetch  # not in pytest


def test_explorer_arguments_are_checked():
    with pytest.raises(ValueError, match=r"depth must be one of \(2, 4, 6, 8\), got 5"):
        BatchNormExplorer(depth=5)
    with pytest.raises(ValueError, match="lr must be one of"):
        BatchNormExplorer(lr=0.2)


# --- vanishing gradients: ||dJ/dW_l|| per layer (the notebook's section 5) ---


def test_weight_gradient_norms_match_finite_differences():
    net = mlp([3, 5, 4, 2], activation="sigmoid", batchnorm=True)
    theta = net.init(seed=1) + np.random.default_rng(2).normal(size=net.n_params) * 0.1
    X, y = np.random.default_rng(3).normal(size=(8, 3)), np.arange(8) % 2
    J = Classifier(net, X, y)
    numeric = numerical_gradient(J.value, theta)  # J on all of X, one batch
    dense = [i for i, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    expected = [np.linalg.norm(net.layers[i].split(net.params(numeric, i))[0]) for i in dense]
    np.testing.assert_allclose(bn.weight_gradient_norms(net, theta, X, y), expected, rtol=1e-6)


@pytest.fixture(scope="module")
def gradient_records():
    """The notebook's cell: 6 hidden layers, lr 0.3, steps 0 and 150, ReLU and sigmoid."""
    return {activation: {b: bn.layer_gradient_norms(6, 0.3, b, (0, 150), activation=activation)
                         for b in (False, True)}
            for activation in ("relu", "sigmoid")}


def test_relu_networks_gradients_do_not_vanish(gradient_records):
    for record in gradient_records["relu"].values():
        assert record.norms.shape == (2, 7) and list(record.steps) == [0, 150]
        assert np.all(record.first_to_last > 1)  # the first layer gets more than the last
        assert 1.5 < record.first_to_last[0] < 3  # "about twice" at step 0
    # the same runs as the sweep's lr = 0.3 panel: the table's J matches its losses
    sweep_losses = {b: bn.digits_run(6, 0.3, b, steps=150).final_loss for b in (False, True)}
    for b, record in gradient_records["relu"].items():
        assert record.loss[-1] == pytest.approx(sweep_losses[b], rel=1e-9)


def test_sigmoid_gradients_vanish_without_bn_and_not_with_it(gradient_records):
    plain, with_bn = gradient_records["sigmoid"][False], gradient_records["sigmoid"][True]
    assert np.all(plain.first_to_last < 1e-2)  # vanished, at step 0 and after training
    # each layer down divides the gradient by about 4 (the sigmoid's slope is at most 1/4)
    factors = plain.norms[0, 1:-1] / plain.norms[0, 2:]  # layers 2..6 against the one above
    assert np.all((0.15 < factors) & (factors < 0.35))
    assert plain.loss[-1] > 2.2  # still at chance, ln 10 = 2.30
    assert np.all(with_bn.first_to_last >= 0.1)  # with BN the first layer keeps its share
    assert np.all((0.5 < with_bn.first_to_last) & (with_bn.first_to_last < 2))
    steps = with_bn.norms[:, :-1] / with_bn.norms[:, 1:]
    assert np.all((0.5 < steps) & (steps < 2))  # no layer-to-layer decay at all
    assert with_bn.loss[-1] < 0.5  # and it trains


def test_bn_divides_by_the_small_spread_a_sigmoid_layer_passes_up():
    """Why BN rescues the sigmoid network: the spread of a BN layer's input (sigma_B) after a
    sigmoid layer is about the sigmoid's slope, so 1/sigma_B in the backward pass undoes it."""
    net = bn.digits_mlp(6, True, activation="sigmoid")
    X = digits().X_train
    outs = net.activations(net.init(seed=0), X, train=True)
    batchnorms = [i for i, layer in enumerate(net.layers) if isinstance(layer, BatchNorm)]
    sigma_B = np.array([outs[i - 1].std(axis=0).mean() for i in batchnorms[1:]])
    slopes = np.array([(outs[i + 1] * (1 - outs[i + 1])).mean() for i in batchnorms[1:]])
    assert np.all(sigma_B < 0.3) and np.all(slopes < 0.25)
    np.testing.assert_allclose(slopes / sigma_B, 1, atol=0.2)


def test_the_gradient_table_holds_under_other_machines_round_off(gradient_records, monkeypatch):
    """The notebook prints the ratios to 2 significant digits and J to 2 decimals."""
    def table(records):
        return [(f"{r.first_to_last[0]:#.2g}", f"{r.first_to_last[-1]:#.2g}", f"{r.loss[-1]:.2f}")
                for pair in records.values() for r in pair.values()]

    expected = table(gradient_records)
    assert expected[2][:2] == ("0.00057", "0.0013")  # sigmoid, plain: two digits, not zero
    add_roundoff_noise(monkeypatch, seed=1)
    noisy = {a: {b: bn.layer_gradient_norms(6, 0.3, b, (0, 150), activation=a)
                 for b in (False, True)} for a in ("relu", "sigmoid")}
    assert table(noisy) == expected


def test_layer_gradient_norms_checks_its_arguments():
    with pytest.raises(ValueError, match="checkpoint must be an integer >= 0, got -1"):
        bn.layer_gradient_norms(2, 0.1, True, checkpoints=(0, -1))
    with pytest.raises(ValueError, match="activation must be one of"):
        bn.layer_gradient_norms(2, 0.1, True, activation="softplus")


def test_plot_gradient_norms_draws_both_networks_at_both_steps(gradient_records):
    fig = bn.plot_gradient_norms({"ReLU": gradient_records["relu"],
                                  "sigmoid": gradient_records["sigmoid"]})
    try:
        for ax in fig.axes:
            assert ax.get_yscale() == "log" and ax.get_ylabel()
            assert len(ax.get_lines()) == 4  # plain and BN, step 0 and step 150
            np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(1, 8))
            assert all(float(t).is_integer() for t in ax.get_xticks())
        labels = fig.axes[0].get_legend_handles_labels()[1]
        assert labels == ["plain, step 0", "plain, step 150", "with BN, step 0",
                          "with BN, step 150"]
    finally:
        plt.close(fig)


def test_plain_relu_signal_shrinks_up_as_the_gradient_shrinks_down():
    """Why the plain ReLU network's weight gradients do not vanish: dJ/dW_l = x^T dJ/dy_l, and
    going up ||x|| shrinks by about the factor per layer by which ||dJ/dy|| shrinks going down."""
    data = digits()
    net = bn.digits_mlp(6, False)
    theta = net.init(seed=0)
    logits, caches = net.forward(theta, data.X_train)
    _, dout = softmax_cross_entropy(logits, data.y_train)
    inputs, grads = [], []
    for i in reversed(range(len(net.layers))):
        if isinstance(net.layers[i], Dense):
            inputs.append(np.linalg.norm(caches[i]))  # a Dense layer caches its input x
            grads.append(np.linalg.norm(dout))  # dJ/dy at its output
        dout, _ = net.layers[i].backward(net.params(theta, i), caches[i], dout)
    inputs, grads = np.array(inputs[::-1]), np.array(grads[::-1])  # layer 1 first
    up = np.exp(np.mean(np.log(inputs[2:] / inputs[1:-1])))  # hidden layers 2..7, going up
    down = np.exp(np.mean(np.log(grads[1:-1] / grads[2:])))  # the same layers, going down
    assert 0.6 < up < 0.85 and 0.6 < down < 0.85  # about 1/sqrt(2) = 0.71 both ways
    assert up == pytest.approx(down, rel=0.1)
    assert np.all(grads[:-1] < grads[1:])  # the gradient does shrink on its way down
