from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnstate import final_state, last_output, merge_directions, split_hidden


def bi_gru(batch_first: bool = True) -> nn.GRU:
    return nn.GRU(3, 4, num_layers=3, bidirectional=True, batch_first=batch_first)


# -- split_hidden ---------------------------------------------------------------


def test_split_hidden_puts_layers_and_directions_on_their_own_axes() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    split = split_hidden(h_n, gru)
    assert split.shape == (3, 2, 2, 4)
    for layer in range(3):
        for direction in range(2):
            assert torch.equal(split[layer, direction], h_n[layer * 2 + direction])


def test_split_hidden_is_a_view() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    assert split_hidden(h_n, gru).data_ptr() == h_n.data_ptr()


def test_split_hidden_of_unbatched_state_has_no_batch_axis() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(5, 3))
    assert split_hidden(h_n, gru).shape == (3, 2, 4)


def test_split_hidden_tells_h_n_from_c_n_of_a_projected_lstm() -> None:
    lstm = nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    _, (h_n, c_n) = lstm(torch.randn(5, 4, 3))
    assert split_hidden(h_n, lstm).shape == (2, 2, 4, 2)
    assert split_hidden(c_n, lstm).shape == (2, 2, 4, 6)
    assert split_hidden(c_n, lstm, kind="c").shape == (2, 2, 4, 6)


def test_split_hidden_rejects_a_state_from_another_configuration() -> None:
    _, h_n = nn.GRU(3, 4, num_layers=2)(torch.randn(5, 2, 3))
    with pytest.raises(
        ValueError, match=r"state has shape \(2, 2, 4\), but a 3-layer bidirectional"
    ):
        split_hidden(h_n, bi_gru())


def test_split_hidden_rejects_a_batch_first_state() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match=r"state has shape \(2, 6, 4\), which looks batch-first"):
        split_hidden(h_n.transpose(0, 1), gru)


def test_split_hidden_rejects_a_hidden_size_mismatch() -> None:
    with pytest.raises(ValueError, match=r"gives \(6, N, 4\) or \(6, 4\)"):
        split_hidden(torch.zeros(6, 2, 5), bi_gru())


def test_split_hidden_rejects_a_state_with_the_wrong_number_of_dimensions() -> None:
    with pytest.raises(ValueError, match=r"state has shape \(6,\)"):
        split_hidden(torch.zeros(6), bi_gru())
    with pytest.raises(ValueError, match=r"state has shape \(\)"):
        split_hidden(torch.tensor(1.0), bi_gru())


def test_split_hidden_rejects_what_is_not_a_tensor() -> None:
    with pytest.raises(TypeError, match=r"state must be a torch.Tensor, got list"):
        split_hidden([[1.0]], bi_gru())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "module", "match"),
    [
        ("x", nn.LSTM(3, 4), "kind must be 'h' or 'c', got 'x'"),
        ("c", nn.GRU(3, 4), "kind='c' needs an LSTM"),
    ],
)
def test_split_hidden_rejects_a_bad_kind(kind: str, module: nn.Module, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        split_hidden(torch.zeros(1, 2, 4), module, kind=kind)  # type: ignore[arg-type]


def test_split_hidden_rejects_c_n_given_as_h() -> None:
    lstm = nn.LSTM(3, 6, proj_size=2)
    with pytest.raises(ValueError, match=r"state has shape \(1, 4, 6\), but .* gives \(1, N, 2\)"):
        split_hidden(torch.zeros(1, 4, 6), lstm, kind="h")


# -- final_state ----------------------------------------------------------------


def test_final_state_of_the_top_layer_is_the_classifier_feature() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    assert torch.equal(final_state(h_n, gru), torch.cat((h_n[-2], h_n[-1]), dim=1))


@pytest.mark.parametrize("layer", [0, 1, 2, -1, -2, -3])
def test_final_state_picks_any_layer(layer: int) -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    index = layer % 3
    expected = torch.cat((h_n[2 * index], h_n[2 * index + 1]), dim=1)
    assert torch.equal(final_state(h_n, gru, layer=layer), expected)


def test_final_state_of_unbatched_input_is_one_vector() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(5, 3))
    assert final_state(h_n, gru).shape == (8,)


def test_final_state_of_a_unidirectional_module_is_the_top_row() -> None:
    gru = nn.GRU(3, 4, num_layers=2)
    _, h_n = gru(torch.randn(5, 2, 3))
    assert torch.equal(final_state(h_n, gru), h_n[-1])


@pytest.mark.parametrize("layer", [3, -4])
def test_final_state_rejects_a_layer_out_of_range(layer: int) -> None:
    with pytest.raises(
        ValueError, match=f"layer is {layer}, but a 3-layer module has layers -3 to 2"
    ):
        final_state(torch.zeros(6, 2, 4), bi_gru(), layer=layer)


@pytest.mark.parametrize("layer", [1.0, True, "0"])
def test_final_state_rejects_a_layer_that_is_not_an_int(layer: object) -> None:
    with pytest.raises(TypeError, match="layer must be an int"):
        final_state(torch.zeros(6, 2, 4), bi_gru(), layer=layer)  # type: ignore[arg-type]


# -- last_output ----------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_last_output_equals_final_state_bitwise(batch_first: bool, bidirectional: bool) -> None:
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    x = torch.randn(2, 5, 3) if batch_first else torch.randn(5, 2, 3)
    output, h_n = gru(x)
    assert torch.equal(last_output(output, gru), final_state(h_n, gru))


def test_last_output_of_unbatched_output_is_one_vector() -> None:
    gru = bi_gru()
    output, h_n = gru(torch.randn(5, 3))
    assert torch.equal(last_output(output, gru), final_state(h_n, gru))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_last_output_of_packed_output_equals_h_n_in_the_original_order(
    batch_first: bool, enforce_sorted: bool
) -> None:
    gru = bi_gru(batch_first)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = torch.randn(4, 5, 3) if batch_first else torch.randn(5, 4, 3)
    packed = pack_padded_sequence(
        x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    output, h_n = gru(packed)
    assert torch.equal(last_output(output, gru), final_state(h_n, gru))
    padded, _ = pad_packed_sequence(output, batch_first=batch_first)
    assert torch.equal(last_output(padded, gru, lengths=lengths), final_state(h_n, gru))
    assert torch.equal(last_output(padded, gru, torch.tensor(lengths)), final_state(h_n, gru))


def test_last_output_with_full_lengths_is_the_last_step() -> None:
    gru = bi_gru()
    output, _ = gru(torch.randn(2, 5, 3))
    assert torch.equal(last_output(output, gru, [5, 5]), last_output(output, gru))


@pytest.mark.parametrize(
    ("lengths", "error", "match"),
    [
        ([5, 0], ValueError, r"lengths must all be at least 1, got 0 in \[5, 0\]"),
        ([5, 6], ValueError, r"lengths must be at most the sequence length L=5, got 6"),
        ([5], ValueError, r"lengths has shape \(1,\), expected one length per sample: \(2,\)"),
        ([[5, 5]], TypeError, "lengths must hold integers"),
        ([5.0, 2.0], TypeError, r"lengths must hold integers, got 5.0 in \[5.0, 2.0\]"),
        ([True, 2], TypeError, "lengths must hold integers, got True"),
        (torch.tensor([5.0, 2.0]), TypeError, "got a tensor of dtype torch.float32"),
        (torch.tensor([True, True]), TypeError, "got a tensor of dtype torch.bool"),
        (torch.tensor([[5, 2]]), ValueError, r"lengths has shape \(1, 2\)"),
        ("52", TypeError, "lengths must be a 1-D integer tensor or a sequence of ints, got str"),
        (5, TypeError, "got int"),
    ],
)
def test_last_output_rejects_bad_lengths(
    lengths: object, error: type[Exception], match: str
) -> None:
    gru = bi_gru()
    output, _ = gru(torch.randn(2, 5, 3))
    with pytest.raises(error, match=match):
        last_output(output, gru, lengths)  # type: ignore[arg-type]


def test_last_output_rejects_output_whose_feature_size_does_not_match() -> None:
    output, _ = nn.GRU(3, 4, batch_first=True)(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match=r"output has 4 features .* D\*H_out = 8"):
        last_output(output, bi_gru())


def test_last_output_rejects_output_with_the_wrong_number_of_dimensions() -> None:
    with pytest.raises(ValueError, match=r"output has shape \(8,\), expected 3 dimensions"):
        last_output(torch.zeros(8), bi_gru())


def test_last_output_rejects_what_is_not_a_tensor() -> None:
    with pytest.raises(TypeError, match=r"output must be a torch.Tensor, got tuple"):
        last_output((torch.zeros(2, 5, 8),), bi_gru())  # type: ignore[arg-type]


def test_last_output_rejects_lengths_with_packed_or_unbatched_output() -> None:
    gru = bi_gru()
    packed = pack_padded_sequence(torch.randn(2, 5, 3), [5, 2], batch_first=True)
    output, _ = gru(packed)
    with pytest.raises(ValueError, match="lengths must be None for a PackedSequence"):
        last_output(output, gru, [5, 2])
    unbatched, _ = gru(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"lengths must be None for unbatched output"):
        last_output(unbatched, gru, [5])


def test_last_output_rejects_packed_output_of_another_module() -> None:
    packed = pack_padded_sequence(torch.randn(2, 5, 3), [5, 2], batch_first=True)
    output, _ = nn.GRU(3, 4, batch_first=True)(packed)
    with pytest.raises(ValueError, match=r"output.data has 4 features"):
        last_output(output, bi_gru())


# -- merge_directions -------------------------------------------------------------


def test_merge_directions_adds_averages_or_concatenates_each_layer() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(2, 5, 3))
    forward, backward = h_n[0::2], h_n[1::2]
    assert torch.equal(merge_directions(h_n, gru, "sum"), forward + backward)
    torch.testing.assert_close(merge_directions(h_n, gru, "mean"), (forward + backward) / 2)
    assert torch.equal(merge_directions(h_n, gru, "concat"), torch.cat((forward, backward), dim=2))


def test_merge_directions_feeds_a_unidirectional_decoder() -> None:
    encoder = bi_gru()
    decoder = nn.GRU(3, 4, num_layers=3, batch_first=True)
    _, h_n = encoder(torch.randn(2, 5, 3))
    _, decoder_h_n = decoder(torch.randn(2, 4, 3), merge_directions(h_n, encoder, "mean"))
    assert decoder_h_n.shape == (3, 2, 4)


def test_merge_directions_of_unbatched_state() -> None:
    gru = bi_gru()
    _, h_n = gru(torch.randn(5, 3))
    assert merge_directions(h_n, gru, "concat").shape == (3, 8)


def test_merge_directions_rejects_a_unidirectional_module() -> None:
    with pytest.raises(ValueError, match="merge_directions needs a bidirectional module"):
        merge_directions(torch.zeros(1, 2, 4), nn.GRU(3, 4), "sum")


def test_merge_directions_rejects_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="how must be 'sum', 'mean' or 'concat', got 'max'"):
        merge_directions(torch.zeros(6, 2, 4), bi_gru(), "max")  # type: ignore[arg-type]
