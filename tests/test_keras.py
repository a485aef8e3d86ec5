from __future__ import annotations

import os

# Keras reads its backend once, when it is first imported: torch, which the
# project pins; never TensorFlow or jax.
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # type: ignore[import-untyped]  # Keras ships no type information
import numpy as np
import pytest
import torch
from torch import nn

from rnnstate import from_keras_weights, to_keras_weights

MODULES = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}
KERAS_LAYERS = {"RNN": "SimpleRNN", "GRU": "GRU", "LSTM": "LSTM"}
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def module(
    kind: str, num_layers: int = 1, bidirectional: bool = False, bias: bool = True
) -> nn.RNNBase:
    built: nn.RNNBase = MODULES[kind](
        3, 5, num_layers=num_layers, bidirectional=bidirectional, bias=bias, batch_first=True
    )
    return built


def keras_shaped(kind: str, num_layers: int, bidirectional: bool, bias: bool) -> list[torch.Tensor]:
    """Random weights with the shapes Keras' layers have, in Keras' order."""
    H, G, D = 5, GATES[kind], 2 if bidirectional else 1
    weights = []
    for layer in range(num_layers):
        for _ in range(D):
            weights += [torch.randn(3 if layer == 0 else D * H, G * H), torch.randn(H, G * H)]
            if bias:
                weights.append(torch.randn(2, G * H) if kind == "GRU" else torch.randn(G * H))
    return weights


CONFIGS = [
    pytest.param(kind, layers, bidirectional, bias, id=f"{kind}-{layers}-{bidirectional}-{bias}")
    for kind in MODULES
    for layers in (1, 2)
    for bidirectional in (False, True)
    for bias in (True, False)
]


# -- to_keras_weights -----------------------------------------------------------


def test_to_keras_weights_transposes_an_lstm_and_adds_its_two_biases() -> None:
    lstm = module("LSTM")
    kernel, recurrent_kernel, bias = to_keras_weights(lstm)
    assert torch.equal(kernel, lstm.get_parameter("weight_ih_l0").t())
    assert torch.equal(recurrent_kernel, lstm.get_parameter("weight_hh_l0").t())
    assert torch.equal(bias, lstm.get_parameter("bias_ih_l0") + lstm.get_parameter("bias_hh_l0"))


def test_to_keras_weights_puts_a_grus_gates_in_keras_order_z_r_h() -> None:
    gru = module("GRU")
    kernel, recurrent_kernel, bias = to_keras_weights(gru)
    r, z, n = gru.get_parameter("weight_ih_l0").chunk(3)  # PyTorch's order
    assert torch.equal(kernel, torch.cat((z, r, n)).t())
    r, z, n = gru.get_parameter("weight_hh_l0").chunk(3)
    assert torch.equal(recurrent_kernel, torch.cat((z, r, n)).t())
    for row, torch_bias in zip(
        bias, (gru.get_parameter("bias_ih_l0"), gru.get_parameter("bias_hh_l0")), strict=True
    ):
        r, z, n = torch_bias.chunk(3)
        assert torch.equal(row, torch.cat((z, r, n)))


def test_to_keras_weights_lists_layers_then_directions() -> None:
    lstm = module("LSTM", num_layers=2, bidirectional=True)
    weights = to_keras_weights(lstm)
    assert [tuple(w.shape) for w in weights] == [(3, 20), (5, 20), (20,)] * 2 + [
        (10, 20),
        (5, 20),
        (20,),
    ] * 2
    assert torch.equal(weights[3], lstm.get_parameter("weight_ih_l0_reverse").t())
    assert torch.equal(weights[6], lstm.get_parameter("weight_ih_l1").t())


def test_to_keras_weights_gives_new_tensors_without_gradient_history() -> None:
    gru = module("GRU")
    weights = to_keras_weights(gru)
    assert not any(w.requires_grad for w in weights)
    weights[0].zero_()
    assert gru.get_parameter("weight_ih_l0").abs().sum() > 0


def test_to_keras_weights_leaves_out_the_bias_of_a_module_without_one() -> None:
    assert len(to_keras_weights(module("GRU", bias=False))) == 2


# -- from_keras_weights ---------------------------------------------------------


@pytest.mark.parametrize(("kind", "num_layers", "bidirectional", "bias"), CONFIGS)
def test_keras_weights_survive_the_trip_through_a_module_bitwise(
    kind: str, num_layers: int, bidirectional: bool, bias: bool
) -> None:
    weights = keras_shaped(kind, num_layers, bidirectional, bias)
    target = module(kind, num_layers, bidirectional, bias)
    from_keras_weights(target, weights)
    back = to_keras_weights(target)
    assert len(back) == len(weights)
    assert all(torch.equal(a, b) for a, b in zip(back, weights, strict=True))


@pytest.mark.parametrize(("kind", "num_layers", "bidirectional", "bias"), CONFIGS)
def test_a_module_survives_the_trip_through_keras_weights(
    kind: str, num_layers: int, bidirectional: bool, bias: bool
) -> None:
    source = module(kind, num_layers, bidirectional, bias)
    target = module(kind, num_layers, bidirectional, bias)
    from_keras_weights(target, to_keras_weights(source))
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(target(x), source(x), rtol=1e-5, atol=1e-6)
    if kind == "GRU" or not bias:  # nothing was added up: every parameter comes back
        assert all(
            torch.equal(a, b) for a, b in zip(source.parameters(), target.parameters(), strict=True)
        )


def test_from_keras_weights_puts_an_lstms_bias_in_bias_ih_and_zeroes_bias_hh() -> None:
    kernel, recurrent_kernel, bias = keras_shaped("LSTM", 1, False, True)
    lstm = module("LSTM")
    from_keras_weights(lstm, [kernel, recurrent_kernel, bias])
    assert torch.equal(lstm.get_parameter("bias_ih_l0"), bias)
    assert torch.equal(lstm.get_parameter("bias_hh_l0"), torch.zeros(20))


def test_from_keras_weights_takes_numpy_arrays() -> None:
    weights = [w.numpy() for w in keras_shaped("GRU", 1, False, True)]
    gru = module("GRU")
    from_keras_weights(gru, weights)
    assert np.array_equal(to_keras_weights(gru)[1].numpy(), weights[1])


def test_from_keras_weights_leaves_the_parameters_trainable_leaves() -> None:
    gru = module("GRU")
    from_keras_weights(gru, keras_shaped("GRU", 1, False, True))
    assert all(p.requires_grad and p.grad_fn is None for p in gru.parameters())


def test_from_keras_weights_rejects_what_is_not_a_recurrent_module() -> None:
    with pytest.raises(TypeError, match=r"module must be an nn.RNN, nn.GRU or nn.LSTM"):
        from_keras_weights(nn.GRUCell(3, 5), [])


def test_from_keras_weights_rejects_a_projected_lstm() -> None:
    lstm = nn.LSTM(3, 5, proj_size=2)
    with pytest.raises(ValueError, match=r"proj_size=2, but Keras' LSTM has no projection"):
        from_keras_weights(lstm, [])
    with pytest.raises(ValueError, match=r"proj_size=2"):
        to_keras_weights(lstm)


@pytest.mark.parametrize(
    "weights",
    [torch.zeros(3, 20), "kernel", None, 3],
    ids=["a tensor", "a string", "None", "an int"],
)
def test_from_keras_weights_rejects_weights_that_are_not_a_list(weights: object) -> None:
    with pytest.raises(TypeError, match=r"weights must be a list of arrays"):
        from_keras_weights(module("LSTM"), weights)  # type: ignore[arg-type]


@pytest.mark.parametrize("item", ["kernel", None, object()], ids=["a string", "None", "an object"])
def test_from_keras_weights_rejects_an_item_that_is_not_an_array(item: object) -> None:
    weights: list[object] = [*keras_shaped("LSTM", 1, False, True)]
    weights[1] = item
    with pytest.raises(TypeError, match=r"weights\[1\] must be an array or a tensor"):
        from_keras_weights(module("LSTM"), weights)


def test_from_keras_weights_rejects_the_wrong_number_of_arrays() -> None:
    weights = keras_shaped("LSTM", 1, False, True)  # one direction, a bidirectional module
    with pytest.raises(
        ValueError,
        match=r"weights holds 3 arrays, but a 1-layer bidirectional LSTM.* takes 6: "
        r"kernel, recurrent_kernel, bias for each layer and direction",
    ):
        from_keras_weights(module("LSTM", bidirectional=True), weights)


def test_from_keras_weights_says_when_the_module_has_no_bias() -> None:
    weights = keras_shaped("GRU", 1, False, True)
    with pytest.raises(ValueError, match=r"without bias takes 2: kernel, recurrent_kernel"):
        from_keras_weights(module("GRU", bias=False), weights)


def test_from_keras_weights_names_the_array_with_the_wrong_shape() -> None:
    weights = keras_shaped("LSTM", 2, True, True)
    weights[7] = torch.randn(4, 20)  # layer 1, forward: recurrent_kernel should be (5, 20)
    with pytest.raises(
        ValueError,
        match=r"weights\[7\] \(recurrent_kernel of layer 1, forward\) has shape \(4, 20\), "
        r"but a 2-layer bidirectional LSTM.* expects \(5, 20\)",
    ):
        from_keras_weights(module("LSTM", 2, True), weights)


def test_from_keras_weights_refuses_a_gru_with_reset_after_false() -> None:
    kernel, recurrent_kernel, _ = keras_shaped("GRU", 1, False, True)
    with pytest.raises(ValueError, match=r"a 1-D bias comes from Keras' GRU\(reset_after=False\)"):
        from_keras_weights(module("GRU"), [kernel, recurrent_kernel, torch.randn(15)])


def test_from_keras_weights_changes_nothing_when_an_array_is_wrong() -> None:
    lstm = module("LSTM", bidirectional=True)
    before = [p.clone() for p in lstm.parameters()]
    weights = keras_shaped("LSTM", 1, True, True)
    weights[-1] = torch.randn(21)  # the last array is wrong, the first five are right
    with pytest.raises(ValueError, match=r"weights\[5\] \(bias of layer 0, backward\)"):
        from_keras_weights(lstm, weights)
    assert all(torch.equal(a, b) for a, b in zip(before, lstm.parameters(), strict=True))


# -- against Keras itself (Keras 3 on the torch backend) ----------------------------

# Keras 3.15.1's get_weights() converts each variable with np.array(variable), and
# NumPy 2 warns that the variable's __array__ takes no copy argument; the arrays
# are right, and a reader's script hides the warning (it comes from Keras' code).
NUMPY_COPY_WARNING = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def test_keras_runs_on_the_torch_backend() -> None:
    assert keras.backend.backend() == "torch"


@NUMPY_COPY_WARNING
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_a_stacked_bidirectional_keras_model_and_its_ported_module_agree(kind: str) -> None:
    keras.utils.set_random_seed(0)
    layers = [
        keras.layers.Bidirectional(
            getattr(keras.layers, KERAS_LAYERS[kind])(5, return_sequences=True)
        )
        for _ in range(2)
    ]
    model = keras.Sequential([keras.Input((6, 3)), *layers])
    torch_module = module(kind, num_layers=2, bidirectional=True)
    from_keras_weights(torch_module, [w for layer in layers for w in layer.get_weights()])
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(torch_module(x)[0], model(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_keras_set_weights_takes_to_keras_weights_as_they_are(kind: str) -> None:
    torch_module = module(kind)
    layer = getattr(keras.layers, KERAS_LAYERS[kind])(5, return_sequences=True)
    x = torch.randn(2, 6, 3)
    layer(x)  # builds the layer's weights
    layer.set_weights(to_keras_weights(torch_module))
    torch.testing.assert_close(layer(x), torch_module(x)[0], rtol=1e-5, atol=1e-6)


@NUMPY_COPY_WARNING
def test_the_weights_of_a_keras_gru_with_reset_after_false_are_refused() -> None:
    layer = keras.layers.GRU(5, reset_after=False)
    layer(torch.randn(2, 6, 3))
    with pytest.raises(ValueError, match=r"reset_after=False"):
        from_keras_weights(module("GRU"), layer.get_weights())
