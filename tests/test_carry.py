from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rnnstate import describe, detach_state, slice_state

from .strategies import recurrent_modules


def lstm() -> nn.LSTM:
    return nn.LSTM(3, 5, num_layers=2, batch_first=True)


def gru() -> nn.GRU:
    return nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True)


# -- detach_state ----------------------------------------------------------------


def test_detach_state_detaches_both_h_and_c_of_an_lstm_and_keeps_their_values() -> None:
    module = lstm()
    _, (h_n, c_n) = module(torch.randn(4, 6, 3))
    h, c = detach_state((h_n, c_n), module)
    assert not h.requires_grad
    assert not c.requires_grad
    assert torch.equal(h, h_n)
    assert torch.equal(c, c_n)
    assert h.data_ptr() == h_n.data_ptr()
    assert c.data_ptr() == c_n.data_ptr()


def test_detach_state_detaches_the_one_state_tensor_of_a_gru() -> None:
    module = gru()
    _, h_n = module(torch.randn(4, 6, 3))
    h = detach_state(h_n, module)
    assert isinstance(h, torch.Tensor)
    assert not h.requires_grad
    assert torch.equal(h, h_n)


def test_detach_state_returns_a_tuple_for_a_list_pair() -> None:
    module = lstm()
    _, (h_n, c_n) = module(torch.randn(4, 6, 3))
    detached = detach_state([h_n, c_n], module)  # type: ignore[call-overload]
    assert isinstance(detached, tuple)
    assert len(detached) == 2


def test_detach_state_passes_none_through_for_the_first_batch() -> None:
    assert detach_state(None, lstm()) is None


def test_detach_state_lets_the_next_backward_run_where_the_attached_state_fails() -> None:
    module = lstm()
    x = torch.randn(2, 4, 6, 3)
    out, state = module(x[0])
    out.sum().backward()
    out, _ = module(x[1], state)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        out.sum().backward()

    out, state = module(x[0])
    out.sum().backward()
    out, _ = module(x[1], detach_state(state, module))
    out.sum().backward()


def test_detach_state_unbatched_state_keeps_its_shape() -> None:
    module = lstm()
    _, (h_n, c_n) = module(torch.randn(6, 3))
    h, c = detach_state((h_n, c_n), module)
    assert h.shape == (2, 5)
    assert c.shape == (2, 5)


def test_detach_state_rejects_a_lone_h_for_an_lstm() -> None:
    module = lstm()
    _, (h_n, _) = module(torch.randn(4, 6, 3))
    with pytest.raises(TypeError, match=r"an LSTM's state is a pair \(h, c\)"):
        detach_state(h_n, module)


@pytest.mark.parametrize(
    ("state", "got"),
    [
        ((torch.zeros(2, 4, 5),), "a tuple of 1"),
        ([torch.zeros(2, 4, 5)] * 3, "a list of 3"),
        ({"h": 0}, "a dict"),
    ],
)
def test_detach_state_rejects_anything_but_a_pair_for_an_lstm(state: object, got: str) -> None:
    with pytest.raises(TypeError, match=rf"state must be a pair \(h, c\) for an LSTM, got {got}"):
        detach_state(state, lstm())  # type: ignore[call-overload]


def test_detach_state_rejects_a_pair_for_a_gru() -> None:
    h = torch.zeros(4, 4, 5)
    with pytest.raises(TypeError, match=r"state is a tuple, but a 2-layer bidirectional GRU"):
        detach_state((h, h), gru())


def test_detach_state_rejects_what_is_not_a_tensor() -> None:
    with pytest.raises(TypeError, match=r"state must be a torch.Tensor, got str"):
        detach_state("h_n", gru())  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"state\[1\] \(c\) must be a torch.Tensor, got str"):
        detach_state((torch.zeros(2, 4, 5), "c"), lstm())  # type: ignore[arg-type]


def test_detach_state_rejects_a_state_of_another_configuration() -> None:
    with pytest.raises(ValueError, match=r"state has shape \(2, 3, 5\), but a 2-layer bidir"):
        detach_state(torch.zeros(2, 3, 5), gru())


def test_detach_state_rejects_a_batch_first_state() -> None:
    with pytest.raises(ValueError, match=r"state\[0\] \(h\) has shape \(4, 2, 5\), which looks"):
        detach_state((torch.zeros(4, 2, 5), torch.zeros(2, 4, 5)), lstm())


def test_detach_state_rejects_h_and_c_from_different_batches() -> None:
    with pytest.raises(ValueError, match=r"h has shape \(2, 4, 5\) and c has shape \(2, 3, 5\)"):
        detach_state((torch.zeros(2, 4, 5), torch.zeros(2, 3, 5)), lstm())


def test_detach_state_rejects_a_module_that_is_not_recurrent() -> None:
    with pytest.raises(TypeError, match=r"module must be an nn.RNN, nn.GRU or nn.LSTM"):
        detach_state(None, nn.Linear(3, 5))


# -- slice_state -----------------------------------------------------------------


def test_slice_state_keeps_the_first_samples_of_h_and_c() -> None:
    module = lstm()
    _, (h_n, c_n) = module(torch.randn(4, 6, 3))
    h, c = slice_state((h_n, c_n), module, 2)
    assert torch.equal(h, h_n[:, :2])
    assert torch.equal(c, c_n[:, :2])


def test_slice_state_gives_a_state_the_smaller_batch_accepts() -> None:
    module = lstm()
    _, state = module(torch.randn(4, 6, 3))
    last = torch.randn(2, 6, 3)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 5\)"):
        module(last, state)
    output, _ = module(last, slice_state(state, module, 2))
    assert output.shape == (2, 6, 5)


def test_slice_state_slices_axis_1_whatever_batch_first_says() -> None:
    module = gru()
    _, h_n = module(torch.randn(4, 6, 3))
    assert slice_state(h_n, module, batch_size=3).shape == (4, 3, 5)


def test_slice_state_to_the_same_batch_size_changes_nothing() -> None:
    module = gru()
    _, h_n = module(torch.randn(4, 6, 3))
    assert torch.equal(slice_state(h_n, module, 4), h_n)


def test_slice_state_rejects_a_larger_batch() -> None:
    module = gru()
    _, h_n = module(torch.randn(4, 6, 3))
    with pytest.raises(
        ValueError, match=r"batch_size is 6, but the state holds 4 samples \(shape \(4, 4, 5\)\)"
    ):
        slice_state(h_n, module, 6)


@pytest.mark.parametrize(
    ("batch_size", "error", "match"),
    [
        (0, ValueError, "batch_size must be at least 1, got 0"),
        (2.0, TypeError, "batch_size must be an int, got float 2.0"),
        (True, TypeError, "batch_size must be an int, got bool True"),  # bool is an int subclass
    ],
)
def test_slice_state_rejects_a_bad_batch_size(
    batch_size: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        slice_state(torch.zeros(4, 4, 5), gru(), batch_size)  # type: ignore[call-overload]


def test_slice_state_rejects_an_unbatched_state() -> None:
    with pytest.raises(ValueError, match=r"state has shape \(4, 5\), an unbatched state"):
        slice_state(torch.zeros(4, 5), gru(), 1)


def test_slice_state_rejects_a_lone_h_for_an_lstm() -> None:
    with pytest.raises(TypeError, match=r"an LSTM's state is a pair"):
        slice_state(torch.zeros(2, 4, 5), lstm(), 2)


# -- properties over configurations ----------------------------------------------


@dataclass(frozen=True)
class Carried:
    module: nn.RNNBase
    state: torch.Tensor | tuple[torch.Tensor, torch.Tensor]
    x: torch.Tensor
    batch_size: int


@st.composite
def carried(draw: st.DrawFn) -> Carried:
    module = draw(recurrent_modules())
    N = draw(st.integers(1, 4))
    shapes = describe(module).shapes(N, draw(st.integers(1, 4)))
    _, state = module(torch.randn(shapes.input))
    batch_size = draw(st.integers(1, N))
    x = torch.randn(describe(module).shapes(batch_size, 3).input)
    return Carried(module, state, x, batch_size)


@settings(max_examples=60, deadline=None)
@given(carried())
def test_slice_state_fits_every_configuration_and_keeps_the_first_samples(case: Carried) -> None:
    sliced = slice_state(case.state, case.module, case.batch_size)
    whole = case.state if isinstance(case.state, tuple) else (case.state,)
    parts = sliced if isinstance(sliced, tuple) else (sliced,)
    for part, full in zip(parts, whole, strict=True):
        assert torch.equal(part, full[:, : case.batch_size])
    output, _ = case.module(case.x, sliced)  # the module accepts it
    assert output.shape == describe(case.module).shapes(case.batch_size, 3).output


@settings(max_examples=60, deadline=None)
@given(carried())
def test_detach_state_keeps_values_and_drops_the_graph_in_every_configuration(
    case: Carried,
) -> None:
    detached = detach_state(case.state, case.module)
    whole = case.state if isinstance(case.state, tuple) else (case.state,)
    parts = detached if isinstance(detached, tuple) else (detached,)
    for part, full in zip(parts, whole, strict=True):
        assert full.requires_grad
        assert not part.requires_grad
        assert torch.equal(part, full)
