r"""
Cheat sheet: the indexing for every configuration
=================================================

The expressions to copy, for each layout of ``output`` (batch-first or not, padded
or packed, unbatched) and one or two directions: the top layer's forward and
backward final states, the classifier feature, any layer's states, and the same
with :mod:`rnnstate`. Names: ``H`` is ``H_out``, ``N`` the batch size,
``num_layers`` and ``D`` as in the module, ``k`` a layer index. Every line
``A == B`` below was evaluated while this page was built, with
``torch.equal(A, B)``; a line that stopped holding would have failed the build.
For packed input, first run
``output, lengths = pad_packed_sequence(packed_output, batch_first=...)``. To set
the controls to your own module and copy the code for it, use
:doc:`/your-configuration`.
"""

# %%
import itertools

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

torch.manual_seed(0)
H, N, L, num_layers, k = 4, 3, 5, 2, 0


def expressions(batch_first: bool, D: int, layout: str) -> list[tuple[str, str, str]]:
    """List the (what, A, B) lines of one configuration; B is always from h_n."""
    packed = layout == "packed"
    view = "h_n.view(num_layers, D, N, H)"
    if layout == "unbatched":
        fwd, bwd, view = "output[-1{h}]", "output[0, H:]", "h_n.view(num_layers, D, H)"
    elif batch_first:
        fwd = "output[torch.arange(N), lengths - 1{h}]" if packed else "output[:, -1{h}]"
        bwd = "output[:, 0, H:]"
    else:
        fwd = "output[lengths - 1, torch.arange(N){h}]" if packed else "output[-1, :{h}]"
        bwd = "output[0, :, H:]"
    if D == 1:
        top = fwd.format(h="").replace("[-1, :]", "[-1]")
        lines = [("final state (top layer)", top, "h_n[-1]")]
        feature = "h_n[-1]"
    else:
        top = fwd.format(h=", :H")
        lines = [
            ("forward final (top layer)", top, "h_n[-2]"),
            ("backward final (top layer)", bwd, "h_n[-1]"),
            (
                "classifier feature",
                f"torch.cat(({top}, {bwd}), dim=-1)",
                "torch.cat((h_n[-2], h_n[-1]), dim=-1)",
            ),
        ]
        feature = "torch.cat((h_n[-2], h_n[-1]), dim=-1)"
    lines += [
        ("layer k, both directions", f"{view}[k]", "h_n[k * D : (k + 1) * D]"),
        ("with rnnstate: classifier feature", "rnnstate.final_state(h_n, module)", feature),
        ("with rnnstate: from output", "rnnstate.last_output(output_as_returned, module)", feature),
        ("with rnnstate: layer k", "rnnstate.split_hidden(h_n, module)[k]", f"{view}[k]"),
    ]
    return lines


# %%
# Each configuration runs a real 2-layer LSTM, evaluates every line and prints it.
# (An LSTM's ``c_n`` splits exactly like ``h_n``; it never appears in ``output``.)
verified = 0
for batch_first, D, layout in itertools.product(
    (True, False), (1, 2), ("padded", "packed", "unbatched")
):
    if layout == "unbatched" and batch_first:
        continue  # unbatched input has no batch axis for batch_first to move
    module = nn.LSTM(3, H, num_layers=num_layers, batch_first=batch_first, bidirectional=D == 2)
    shape = (L, 3) if layout == "unbatched" else ((N, L, 3) if batch_first else (L, N, 3))
    x = torch.randn(shape)
    namespace = {"torch": torch, "rnnstate": rnnstate, "module": module, "H": H, "N": N,
                 "D": D, "num_layers": num_layers, "k": k}  # fmt: skip
    if layout == "packed":
        packed = pack_padded_sequence(x, [5, 2, 4], batch_first=batch_first, enforce_sorted=False)
        packed_output, (h_n, c_n) = module(packed)
        output, lengths = pad_packed_sequence(packed_output, batch_first=batch_first)
        namespace |= {"output": output, "lengths": lengths, "output_as_returned": packed_output}
    else:
        output, (h_n, c_n) = module(x)
        namespace |= {"output": output, "output_as_returned": output}
    namespace["h_n"] = h_n

    title = f"{'batch_first=True' if batch_first else 'batch_first=False'}, D={D}, {layout}"
    print(title)
    for what, a, b in expressions(batch_first, D, layout):
        assert torch.equal(eval(a, namespace), eval(b, namespace)), (title, a, b)  # noqa: S307
        verified += 1
        print(f"  {what:<34} {a}  ==  {b}")
    print()
print(f"{verified} expressions verified with torch.equal")

# %%
# The picture for the bidirectional case: ``h_n[k * D + direction]`` labels each
# final cell, forward rows ending on the right and backward rows on the left.
bi = nn.LSTM(3, H, num_layers=num_layers, batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(bi, seq_len=L)

# %%
report = rnnstate.check(bi, torch.randn(N, L, 3))
assert report.ok
report
