"""Tests of course_utils.demos_mlp: the notebooks' computations, both live demos and the self-checks.

Oracles are independent of the code under test: hand-derived derivatives, finite
differences of plain-Python functions, and the published values of the worked
example (inputs .05/.10, targets .01/.99).
"""

import math

import numpy as np
import pytest

from course_utils import demos_mlp as dm
from course_utils.demos.tables import show_table
from course_utils.gradcheck import relative_error
from course_utils.graph import Value
from course_utils.mlp import MLP
from course_utils.worked_example import EXAMPLE, WEIGHT_POSITIONS, worked_example


# -- 01 graphs --------------------------------------------------------------------------------
def _expr():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    u = x * y
    u.label = "u"
    z = (u + 1) ** 2
    z.label = "z"
    return x, y, z


def test_forward_trace_lists_parents_before_children_with_values():
    _, _, z = _expr()
    rows = dm.forward_trace(z)
    names = [r[1] for r in rows]
    assert names[-1] == "z" and rows[-1][4] == 9.0  # (1*2 + 1)^2
    assert names.index("x") < names.index("u") and names.index("y") < names.index("u")
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    u_row = rows[names.index("u")]
    assert u_row[2] == "*" and u_row[3] == "x, y" and u_row[4] == 2.0


def test_backward_trace_gives_the_hand_derived_gradients():
    _x, _y, z = _expr()
    rows = {r[1]: r for r in dm.backward_trace(z)}
    # z = (xy + 1)^2: dz/dx = 2(xy+1) y = 12, dz/dy = 2(xy+1) x = 6, dz/du = 6
    assert rows["x"][3] == pytest.approx(12.0) and rows["y"][3] == pytest.approx(6.0)
    assert rows["u"][3] == pytest.approx(6.0)
    assert rows["z"][2].startswith("1")
    assert "*" in rows["x"][2]  # written as grad_table[consumer] * local derivative


def test_jacobian_matches_hand_derivation_and_vector_chain_rule():
    xv = [0.3, -1.2, 0.7]
    x = [Value(v) for v in xv]
    y = [x[0] * x[1] + x[2], x[0].exp() * x[2]]
    J = dm.jacobian(y, x)
    e = math.exp(xv[0])
    expected = np.array([[xv[1], xv[0], 1.0], [e * xv[2], 0.0, e]])
    assert np.allclose(J, expected, rtol=1e-14)
    # grad_x z = J^T grad_y z for z = y0^2 + 3 y1
    z = y[0] ** 2 + 3 * y[1]
    z.backward()
    grad_y = np.array([2 * y[0].data, 3.0])
    assert np.allclose([v.grad for v in x], J.T @ grad_y, rtol=1e-13)


def test_jacobian_rejects_non_values():
    with pytest.raises(TypeError, match="outputs: expected a non-empty list of Value"):
        dm.jacobian([1.0], [Value(1.0)])


def _thin_loss(ws, x, y):
    h = x
    for w in ws:
        h = 1 / (1 + math.exp(-w * h))
    return 0.5 * (h - y) ** 2


def test_thin_chain_reverse_rows_reuse_products_and_match_finite_differences():
    ws, x, y = [0.5, -1.2, 0.8], 1.5, 0.2
    nodes = dm.thin_chain(ws, x, y)
    rows = {r[0]: r for r in dm.reverse_chain_rows(nodes)}
    for k in range(3):
        hplus = list(ws)
        hminus = list(ws)
        hplus[k] += 1e-6
        hminus[k] -= 1e-6
        numeric = (_thin_loss(hplus, x, y) - _thin_loss(hminus, x, y)) / 2e-6
        assert rows[f"w{k + 1}"][2] == pytest.approx(numeric, rel=1e-7)
    # each row's gradient is the row above times its local derivative (the reuse)
    ordered = dm.reverse_chain_rows(nodes)
    above = ordered[0]
    for row in ordered[1:]:  # dL/d(node) = dL/d(node above on the path) * local derivative
        assert row[2] == pytest.approx(above[2] * row[1], rel=1e-15)
        if not row[0].startswith("w"):
            above = row
    with pytest.raises(ValueError, match="activation"):
        dm.thin_chain([1.0], 1.0, 0.0, activation="softplus")


# -- 02 delta rule ----------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_matrix_form_backward_agrees_with_mlp_and_finite_differences(act):
    mlp = MLP([2, 4, 3, 2], activation=act, output_activation="sigmoid", seed=3, weight_decay=0.01)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=2), rng.uniform(size=2)
    dW, db, trace = dm.matrix_form_backward(mlp, x, y)
    _, grads = mlp.loss_and_gradients(x[None], y[None])
    num = dm.numerical_mlp_gradients(mlp, x[None], y[None])
    for k in range(3):
        assert relative_error(dW[k], grads.weights[k]) < 1e-12
        assert relative_error(db[k], grads.biases[k]) < 1e-12
        assert relative_error(dW[k], num.weights[k]) < 1e-6
        assert relative_error(db[k], num.biases[k]) < 1e-6
    assert [t[0] for t in trace] == [2, 1, 0] and trace[0][2] == (2, 3)


def test_matrix_form_backward_bad_input():
    mlp = MLP([2, 3, 2])
    with pytest.raises(ValueError, match="expected 2 inputs and 2 targets"):
        dm.matrix_form_backward(mlp, [1.0, 2.0, 3.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="softmax"):
        dm.matrix_form_backward(MLP([2, 2], output_activation="softmax"), [1.0, 2.0], [0.0, 1.0])


# -- 03 worked example --------------------------------------------------------------------------------
PUBLISHED = {
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.75136507,
    "out_o2": 0.772928465,
    "E_total": 0.298371109,
    "dE/dw5": 0.082167041,
    "dE/dw1": 0.000438568,
}


def test_steps_follow_the_slides_and_carry_published_values():
    steps = dm.worked_example_steps()
    fwd = [s for s in steps if s.stage == "forward"]
    bwd = [s for s in steps if s.stage == "backward"]
    assert [s.name for s in fwd][:4] == ["net_h1", "out_h1", "net_h2", "out_h2"] and fwd[-1].name == "E_total"
    assert len(fwd) == 11 and len(bwd) == 16
    by_name = {s.name: s for s in steps}
    for name, value in PUBLISHED.items():
        assert by_name[name].value == pytest.approx(value, abs=1e-8)
    assert by_name["dE/dw5"].target == WEIGHT_POSITIONS["w5"] and by_name["out_o2"].target == (2, 1)
    assert by_name["E_total"].target == "loss"


def test_training_curve_matches_the_published_errors_with_fixed_biases():
    curve = dm.training_curve(10000, update_biases=False)  # the published run keeps b1, b2 fixed
    assert curve.shape == (10001,)
    assert curve[0] == pytest.approx(0.298371109, abs=1e-9)
    assert curve[1] == pytest.approx(0.291027924, abs=5e-7)  # the blog rounds its intermediate weights
    assert curve[-1] == pytest.approx(0.0000351085, rel=1e-3)
    assert np.all(np.diff(curve) < 0)


def test_training_curve_with_bias_updates_is_the_mlp_training_loss():
    curve = dm.training_curve(5)
    mlp = dm.example_mlp()
    x, y = np.array([EXAMPLE["inputs"]]), np.array([EXAMPLE["targets"]])
    hist = mlp.fit(x, y, epochs=5, lr=0.5, shuffle=False, progress=False)
    assert np.allclose(curve[1:], hist, rtol=1e-14) and curve[1] < 0.291027924


def _highlighted(stepper):
    return set(stepper.diagram.highlighted())


def test_stepper_next_forward_highlights_the_step_and_shows_its_value():
    s = dm.WorkedExampleStepper(max_train_steps=50)
    steps = dm.worked_example_steps()
    png0 = s.image.value
    for n in range(1, 12):
        s.forward_button.click()
        expected = steps[n - 1]
        assert s.current == expected and s.shown_value == expected.value
        assert _highlighted(s) == {expected.target}
        assert f"{expected.value:.9g}" in s.status.value
    assert s.image.value != png0
    # out_h1 was written under h1
    assert f"out={PUBLISHED['out_h1']:.4f}" in s.diagram.node_values[(1, 0)].get_text()
    assert s.next_forward() is None and "complete" in s.status.value


def test_stepper_backward_needs_the_forward_pass_then_walks_the_deltas():
    s = dm.WorkedExampleStepper(max_train_steps=50)
    s.next_forward()
    assert s.next_backward() is None and "Finish the forward pass first (10 steps left)" in s.status.value
    for _ in range(10):
        s.next_forward()
    bwd = [st for st in dm.worked_example_steps() if st.stage == "backward"]
    for n in range(len(bwd)):
        s.backward_button.click()
        assert s.current == bwd[n] and _highlighted(s) == {bwd[n].target}
    w5 = WEIGHT_POSITIONS["w5"]
    assert s.diagram.edge_labels[w5].get_text() == "w5=0.4"  # back to a plain label once passed
    assert s.next_backward() is None and "apply update" in s.status.value


def test_stepper_apply_update_changes_the_weights_shown_and_reset_restores_them():
    s = dm.WorkedExampleStepper(max_train_steps=50)
    ex = worked_example()
    s.update_button.click()  # computes the remaining steps, then updates
    assert s.iteration == 1
    for name, (k, i, j) in WEIGHT_POSITIONS.items():
        assert s.diagram.edge_labels[(k, i, j)].get_text() == f"{name}={ex.updated[name]:.4g}"
    assert "0.358916" in s.status.value  # new w5 (published 0.35891648)
    # the next forward pass uses the new weights: net_h1 = w1 i1 + w2 i2 + b1, by hand
    step = s.next_forward()
    i1, i2 = EXAMPLE["inputs"]
    assert step.value == pytest.approx(ex.updated["w1"] * i1 + ex.updated["w2"] * i2 + ex.updated["b1[1]"], rel=1e-14)
    s.reset_button.click()
    assert s.iteration == 0 and s.current is None and _highlighted(s) == set()
    assert s.diagram.edge_labels[WEIGHT_POSITIONS["w5"]].get_text() == "w5=0.4"
    assert s.diagram.node_values[(1, 0)].get_text() == ""


def test_stepper_training_slider_plots_the_error_curve():
    s = dm.WorkedExampleStepper(max_train_steps=100)
    png = s.image.value
    s.train_slider.value = 40
    x, y = s.curve_line.get_data()
    assert len(x) == 41 and y[0] == pytest.approx(0.298371109, abs=1e-9)
    assert np.array_equal(y, dm.training_curve(40))
    assert f"after 40: {s.curve[40]:.4g}" == s.curve_text.get_text()
    assert s.image.value != png
    with pytest.raises(ValueError, match="max_train_steps"):
        dm.WorkedExampleStepper(max_train_steps=0)


def test_demos_show_without_a_front_end(capsys):
    dm.WorkedExampleStepper(max_train_steps=10).show()
    dm.XORDemo(epochs=50).show()


# -- 04 outputs and activations -------------------------------------------------------------------------
def test_gradient_shares_are_norms_of_the_layer_gradients():
    mlp = MLP([2, 4, 3, 2], activation="sigmoid", seed=0)
    x = np.random.default_rng(0).normal(size=(5, 2))
    y = np.random.default_rng(1).uniform(size=(5, 2))
    rows = dm.gradient_shares(mlp, x, y)
    num = dm.numerical_mlp_gradients(mlp, x, y)
    assert [r[0] for r in rows] == [1, 2, 3]
    for r, g in zip(rows, num.weights):
        assert r[2] == pytest.approx(np.linalg.norm(g), rel=1e-6)
    assert sum(r[3] for r in rows) == pytest.approx(1.0)


def test_activation_table_values():
    rows = dm.activation_table([-2.0, 0.0, 3.0])
    _z, s, ds, t, dt, r, dr, lr_, dlr = rows[2]
    assert s == pytest.approx(1 / (1 + math.exp(-3))) and ds == pytest.approx(s * (1 - s))
    assert t == pytest.approx(math.tanh(3)) and dt == pytest.approx(1 - math.tanh(3) ** 2)
    assert (r, dr) == (3.0, 1.0) and (lr_, dlr) == (3.0, 1.0)
    assert rows[0][5:7] == (0.0, 0.0) and rows[0][7] == pytest.approx(-0.02)


def test_dead_relu_unit_has_zero_gradient():
    mlp = MLP([2, 3, 1], activation="relu", seed=0)
    mlp.biases = [np.array([0.1, -100.0, 0.1]), np.zeros(1)]
    x = np.random.default_rng(0).normal(size=(20, 2))
    dead = dm.dead_units(mlp, x)
    assert dead[0].tolist() == [False, True, False]
    _, grads = mlp.loss_and_gradients(x, np.ones((20, 1)))
    assert np.all(grads.weights[0][1] == 0) and grads.biases[0][1] == 0


def test_plot_activations_draws_function_and_derivative():
    from course_utils.plotting import new_figure

    fig = new_figure((8, 4))
    axes = fig.subplots(2, 4)
    lines = dm.plot_activations(axes)
    assert len(lines) == 8
    _z, fprime = lines[1].get_data()  # sigmoid'
    assert np.max(fprime) == pytest.approx(0.25, abs=1e-4)
    with pytest.raises(ValueError, match=r"axes: expected a \(2, 4\) grid"):
        dm.plot_activations(axes[0])


# -- 05 XOR and training ---------------------------------------------------------------------------------
def test_no_line_separates_xor_but_one_separates_and():
    x, y = dm.xor_data()
    assert y.ravel().tolist() == [0, 1, 1, 0]
    assert dm.best_linear_accuracy(x, y) == 0.75
    assert dm.best_linear_accuracy(x, np.array([0, 0, 0, 1])) == 1.0


def test_perceptron_rule_learns_and_but_never_xor():
    x, y = dm.xor_data()
    *_, acc_xor = dm.perceptron_learning(x, y, epochs=50)
    *_, acc_and = dm.perceptron_learning(x, np.array([0, 0, 0, 1]), epochs=50)
    assert max(acc_xor) <= 0.75 and acc_and[-1] == 1.0


def test_two_layer_network_learns_xor():
    mlp, hist = dm.train_xor(hidden=4, activation="tanh", lr=1.0, epochs=1000, seed=0)
    x, y = dm.xor_data()
    assert np.array_equal(mlp.forward(x) > 0.5, y > 0.5)
    assert hist[-1] < hist[0] / 10


def test_sgd_is_noisier_than_full_batch_on_noisy_xor():
    x, y = dm.xor_clusters(10, seed=0)
    assert x.shape == (40, 2) and y.shape == (40, 1)
    runs = dm.compare_batch_sizes(x, y, batch_sizes=(1, 8, None), epochs=20, lr=0.5)
    assert [runs[b].updates_per_epoch for b in (1, 8, None)] == [40, 5, 1]
    assert runs[1].loss.shape == (20 * 40 + 1,) and runs[None].loss.shape == (21,)
    assert runs[1].epoch[-1] == runs[None].epoch[-1] == 20
    assert runs[None].fraction_uphill == 0.0  # small full-batch steps always go downhill here
    assert runs[1].fraction_uphill > 0.1  # single-example steps often do not
    assert runs[1].loss_per_epoch()[-1] < runs[None].loss_per_epoch()[-1]  # 40 updates per epoch instead of 1
    # same start: the first recorded loss is the same initial network's
    assert runs[1].loss[0] == runs[None].loss[0]


def test_compare_batch_sizes_full_batch_is_plain_gradient_descent():
    x, y = dm.xor_clusters(5, seed=1)
    run = dm.compare_batch_sizes(x, y, batch_sizes=(None,), epochs=5, lr=0.3)[None]
    mlp = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = mlp.fit(x, y, epochs=5, lr=0.3, progress=False)
    assert np.allclose(run.loss[1:], hist, rtol=1e-13)


def test_xor_demo_default_learns_xor_and_draws_everything():
    d = dm.XORDemo()
    assert d.done and d.accuracy() == 1.0
    assert d.progress.value == d.progress.max == 1000
    assert len(d.history) == 1001
    xs, ys = d.loss_line.get_data()
    assert len(xs) == 1001 and ys[-1] == pytest.approx(max(d.history[-1], d.LOSS_RANGE[0]))
    _, _, out = dm.decision_grid(d.mlp, n=41)
    assert np.array_equal(d.map_image.get_array(), out)
    assert "4 tanh units, epoch 1000: 100% right" == d.map_title.get_text() and d.image.value[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "control, value, check",
    [
        ("hidden", 2, lambda d: d.mlp.sizes == [2, 2, 1]),
        ("activation", "relu", lambda d: d.mlp.activation.name == "relu"),
        ("lr", 0.1, lambda d: d.history[-1] > 1e-3),
        ("batch_size", 1, lambda d: d._chunk_epochs() == d.chunk_updates // 4),
        ("epochs", 200, lambda d: len(d.history) == 201 and d.ax_loss.get_xlim() == (0, 200)),
        ("seed", 5, lambda d: np.array_equal(d.mlp.weights[0].shape, (4, 2))),
    ],
)
def test_xor_demo_each_control_retrains(control, value, check):
    d = dm.XORDemo(epochs=300)
    png, mlp = d.image.value, d.mlp
    getattr(d, control).value = value
    assert d.mlp is not mlp and d.done and check(d)
    assert d.progress.value == d.epochs.value and d.image.value != png


def test_xor_demo_trains_in_chunks():
    d = dm.XORDemo(epochs=300, chunk_updates=100)
    d.restart()
    assert d.epochs_done == 0 and d.progress.value == 0
    d.train_chunk()
    assert d.epochs_done == 100 and d.progress.value == 100 and len(d.history) == 101
    d.batch_size.value = 2  # restarts; two updates per epoch now
    d.restart()
    d.train_chunk()
    assert d.epochs_done == 50


def test_xor_demo_stop_ends_the_run_where_it_is(monkeypatch):
    d = dm.XORDemo(epochs=1000, chunk_updates=100)
    chunks = []
    train_chunk = d.train_chunk

    def counting_chunk():
        train_chunk()
        chunks.append(d.epochs_done)
        if len(chunks) == 2:
            d.stop()  # as the stop button does, while training runs

    monkeypatch.setattr(d, "train_chunk", counting_chunk)
    d.hidden.value = 3
    assert chunks == [100, 200] and d.epochs_done == 200 and not d.done and d.stopped
    assert d.progress_label.value == "stopped at 200/1000 epochs"
    assert "epoch 200" in d.map_title.get_text()
    d.seed.value = 1  # the next change trains to the end again
    assert d.done and not d.stopped


def test_xor_demo_stop_clicked_before_the_new_run_begins_stops_that_run(monkeypatch):
    """The click races the worker: a change asks for a run, stop is clicked, then the run begins.
    The stop must not be forgotten when the run starts (it was, and a 5000-epoch run went on)."""
    d = dm.XORDemo(epochs=1000, chunk_updates=100)
    restart = d.restart

    def stop_then_restart():
        d.stop()  # arrives after the change's request, before the worker restarts
        restart()

    monkeypatch.setattr(d, "restart", stop_then_restart)
    d.epochs.value = 2000
    assert d.stopped and d.epochs_done == 0
    assert d.progress_label.value == "stopped at 0/2000 epochs"


def test_xor_demo_a_run_keeps_its_length_when_the_slider_moves_during_it(monkeypatch):
    """A run reports its own target, never the next run's (no '200/500' from a 1000-epoch run)."""
    d = dm.XORDemo(epochs=1000, chunk_updates=100)
    labels, held = [], d.hold_updates()
    train_chunk = d.train_chunk

    def chunk_then_move():
        train_chunk()
        labels.append(d.progress_label.value)
        if len(labels) == 1:  # the new value arrives while this run trains; its run comes after
            held.__enter__()
            d.epochs.value = 500

    monkeypatch.setattr(d, "train_chunk", chunk_then_move)
    d.hidden.value = 3
    assert labels == [f"{k}/1000 epochs" for k in range(100, 1001, 100)]
    held.__exit__(None, None, None)
    assert labels[-1] == "500/500 epochs" and d.done and d.epochs_done == 500


def test_xor_title_says_unit_for_one_unit():
    d = dm.XORDemo(hidden=1, epochs=50)
    assert d.map_title.get_text().startswith("1 tanh unit, ")


# -- tables ------------------------------------------------------------------------------------------------
def test_markdown_table():
    text = dm.markdown_table([("a", 0.123456789, 3)], ["name", "value", "n"], digits=3)
    assert text.splitlines() == ["| name | value | n |", "|---|---|---|", "| a | 0.123 | 3 |"]
    with pytest.raises(ValueError, match=r"rows\[0\]: expected 2 entries"):
        dm.markdown_table([(1, 2, 3)], ["a", "b"])


def test_markdown_table_names_a_bad_digits_or_headers():
    with pytest.raises(ValueError, match=r"digits: expected an integer >= 1, got 0"):
        dm.markdown_table([(0.5,)], ["x"], digits=0)
    with pytest.raises(TypeError, match=r"digits: expected an integer >= 1, got float 2.5"):
        dm.markdown_table([(0.5,)], ["x"], digits=2.5)
    with pytest.raises(TypeError, match=r"headers: expected a list of column titles, got the string 'value'"):
        dm.markdown_table([(0.5,)], "value")


@pytest.fixture
def displayed(monkeypatch):
    """What show_table passes to IPython's display (no front end needed)."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    return shown


def test_show_table_displays_the_markdown_table_and_returns_nothing(displayed):
    from IPython.display import Markdown

    assert show_table([("a", 0.123456789, 3), ("b|c", np.float32(2.5), None)], ("name", "value", "n"), digits=3) is None
    assert len(displayed) == 1 and isinstance(displayed[0], Markdown)
    assert displayed[0].data.splitlines() == [
        "| name | value | n |",
        "|---|---|---|",
        "| a | 0.123 | 3 |",
        "| b\\|c | 2.5 | None |",
    ]


def test_show_table_puts_a_caption_above_the_table(displayed):
    show_table(iter([(1, 2.0)]), ["i", "value"], caption="**Forward pass**, nodes in order:")
    assert displayed[0].data == "**Forward pass**, nodes in order:\n\n| i | value |\n|---|---|\n| 1 | 2 |"


def test_show_table_displays_nothing_for_bad_input(displayed):
    with pytest.raises(ValueError, match=r"rows\[1\]: expected 2 entries \(one per header\), got 1"):
        show_table([(1, 2), (3,)], ["a", "b"])
    with pytest.raises(ValueError, match=r"digits: expected an integer >= 1, got -1"):
        show_table([(1, 2)], ["a", "b"], digits=-1)
    assert displayed == []


def test_chain_rule_costs_by_enumeration():
    for n in range(1, 8):
        separately = 0
        for k in range(1, n + 1):  # factors: dL/dh_n, f'(a_j) for j=k..n, w_j for j=k+1..n, h_{k-1}
            factors = 1 + (n - k + 1) + (n - k) + 1
            separately += factors - 1
        reused, _grad = 0, 1.0
        for j in range(n, 0, -1):
            reused += 1  # * f'(a_j)
            reused += 1  # dL/dw_j = dL/da_j * h_{j-1}
            if j > 1:
                reused += 1  # dL/dh_{j-1} = dL/da_j * w_j
        assert dm.chain_rule_costs(n) == (separately, reused)


def test_xor_demo_trains_in_the_background_of_a_real_kernel_and_the_latest_change_wins():
    """In a Jupyter kernel a change only asks for training; the demo's worker thread trains, and
    a change made while it trains cancels that run and starts over with the latest settings."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell(
                "from course_utils.demos.xor import XORDemo\n"
                "demo = XORDemo(epochs=1000, chunk_updates=100)\n"
                "demo.hidden.value = 3\n"
                "demo.hidden.value = 5\n"
                "print('threaded:', demo._updates.threaded)"
            ),
            new_code_cell(
                "print('idle:', demo.wait(60))\n"
                "print('later:', demo.done, demo.epochs_done, demo.mlp.sizes, len(demo.history))"
            ),
        ]
    )
    NotebookClient(nb, timeout=90, kernel_name="python3").execute()
    assert nb.cells[0].outputs[0]["text"].strip() == "threaded: True"
    assert nb.cells[1].outputs[0]["text"].strip().splitlines() == ["idle: True", "later: True 1000 [2, 5, 1] 1001"]


def test_bad_input_messages():
    x, y = dm.xor_data()
    with pytest.raises(ValueError, match="n_per_corner"):
        dm.xor_clusters(0)
    with pytest.raises(ValueError, match=r"x, y: expected x of shape \(N, 2\)"):
        dm.best_linear_accuracy(np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="epochs"):
        dm.perceptron_learning(x, y, epochs=0)
    with pytest.raises(ValueError, match="hidden"):
        dm.train_xor(hidden=0)
    with pytest.raises(ValueError, match="batch_size"):
        dm.compare_batch_sizes(x, y, batch_sizes=(0,))
    with pytest.raises(ValueError, match="n"):
        dm.decision_grid(MLP([2, 2, 1]), n=1)
    with pytest.raises(ValueError, match="steps"):
        dm.training_curve(-1)
    with pytest.raises(ValueError, match="lr"):
        dm.WorkedExampleStepper(lr=-0.5)
    with pytest.raises(ValueError, match="chunk_updates"):
        dm.XORDemo(chunk_updates=0)
    with pytest.raises(ValueError, match="hidden"):
        dm.XORDemo(hidden=0)
    with pytest.raises(ValueError, match="weights"):
        dm.thin_chain([], 1.0, 0.0)
    with pytest.raises(TypeError, match="nodes: expected the list returned by thin_chain"):
        dm.reverse_chain_rows([1.0])
    with pytest.raises(ValueError, match="zs"):
        dm.activation_table([[1.0]])


def test_demos_never_add_pyplot_figures():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    s = dm.WorkedExampleStepper(max_train_steps=20)
    fig = s.figure
    s.next_forward()
    s.train_slider.value = 10
    d = dm.XORDemo(epochs=100)
    d.hidden.value = 2
    assert plt.get_fignums() == before
    assert s.figure is fig  # the same figure, updated in place


def test_steps_name_the_lecture_quantities():
    by_name = {s.name: s for s in dm.worked_example_steps()}
    mlp = dm.example_mlp()
    _, grads = mlp.loss_and_gradients(np.array([EXAMPLE["inputs"]]), np.array([EXAMPLE["targets"]]))
    # w7 goes from h1 (unit 1 of layer 2) to o2 (unit 2 of layer 3): W^2_21
    assert "W<sup>2</sup><sub>21</sub>" in by_name["dE/dw7"].formula
    assert by_name["dE/dw7"].value == pytest.approx(grads.weights[1][1, 0], rel=1e-15)
    assert "W<sup>1</sup><sub>12</sub>" in by_name["dE/dw2"].formula  # i2 -> h1
    assert "&delta;<sup>3</sup><sub>2</sub>" in by_name["delta_o2"].formula
    assert "&delta;<sup>2</sup><sub>1</sub>" in by_name["delta_h1"].formula
