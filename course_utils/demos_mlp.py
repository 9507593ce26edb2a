"""The MLP notebooks' helpers moved to :mod:`course_utils.demos` (one module per lecture topic).

This module re-exports them so old imports keep working. The self-check questions moved to
:mod:`course_utils.selfcheck`.
"""

from __future__ import annotations

from .demos.activations import activation_table, dead_units, gradient_shares, plot_activations
from .demos.chain_rule import backward_trace, chain_rule_costs, forward_trace, jacobian, reverse_chain_rows, thin_chain
from .demos.delta_rule import matrix_form_backward, numerical_mlp_gradients
from .demos.tables import markdown_table
from .demos.worked_example import Step, WorkedExampleStepper, training_curve, worked_example_steps
from .demos.xor import (
    BatchRun,
    XORDemo,
    best_linear_accuracy,
    compare_batch_sizes,
    decision_grid,
    perceptron_learning,
    train_xor,
    xor_clusters,
    xor_data,
)
from .worked_example import example_mlp

__all__ = [
    "example_mlp",
    "markdown_table",
    "forward_trace",
    "backward_trace",
    "jacobian",
    "thin_chain",
    "reverse_chain_rows",
    "chain_rule_costs",
    "matrix_form_backward",
    "numerical_mlp_gradients",
    "Step",
    "worked_example_steps",
    "training_curve",
    "WorkedExampleStepper",
    "gradient_shares",
    "activation_table",
    "dead_units",
    "plot_activations",
    "xor_data",
    "xor_clusters",
    "best_linear_accuracy",
    "perceptron_learning",
    "train_xor",
    "compare_batch_sizes",
    "BatchRun",
    "decision_grid",
    "XORDemo",
]
