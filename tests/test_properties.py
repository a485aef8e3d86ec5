"""Property tests: the identities hold for every configuration hypothesis draws."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from rnnstate import check, describe, final_state, last_output, split_hidden

from .strategies import recurrent_modules


@dataclass(frozen=True)
class Case:
    module: nn.RNNBase
    input: torch.Tensor | PackedSequence
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None
    batch_size: int | None
    seq_len: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    module = draw(recurrent_modules())
    layout = describe(module)
    seq_len = draw(st.integers(1, 5))
    shape = draw(st.sampled_from(["unbatched", "padded", "packed sorted", "packed unsorted"]))
    batch_size = None if shape == "unbatched" else draw(st.integers(1, 4))
    shapes = layout.shapes(batch_size, seq_len)
    padded = torch.randn(shapes.input)
    x: torch.Tensor | PackedSequence = padded
    if shape.startswith("packed"):
        assert batch_size is not None
        lengths = draw(st.lists(st.integers(1, seq_len), min_size=batch_size, max_size=batch_size))
        sort = shape == "packed sorted"
        if sort:
            lengths.sort(reverse=True)
        x = pack_padded_sequence(
            padded, lengths, batch_first=layout.batch_first, enforce_sorted=sort
        )
        seq_len = max(lengths)
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None = None
    if draw(st.booleans()):
        h_0 = torch.randn(shapes.h_n)
        hx = (h_0, torch.randn(shapes.c_n)) if shapes.c_n is not None else h_0
    return Case(module, x, hx, batch_size, seq_len)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_identity_holds_for_every_configuration(case: Case) -> None:
    report = check(case.module, case.input, case.hx)
    assert report.ok, str(report)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_last_output_equals_final_state_and_shapes_match_describe(case: Case) -> None:
    layout = describe(case.module)
    with torch.no_grad():
        output, hidden = case.module(case.input, case.hx)
    h_n, c_n = hidden if layout.is_lstm else (hidden, None)
    assert torch.equal(last_output(output, case.module), final_state(h_n, case.module))

    shapes = layout.shapes(case.batch_size, case.seq_len)
    assert tuple(h_n.shape) == shapes.h_n
    if isinstance(output, torch.Tensor):
        assert tuple(output.shape) == shapes.output
    if c_n is not None:
        assert tuple(c_n.shape) == shapes.c_n
        assert split_hidden(c_n, case.module).shape[-1] == layout.hidden_size
    batch = () if case.batch_size is None else (case.batch_size,)
    assert split_hidden(h_n, case.module).shape == (
        layout.num_layers, layout.num_directions, *batch, layout.output_size
    )  # fmt: skip
