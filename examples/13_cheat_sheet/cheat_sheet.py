r"""
Cheat sheet: the indexing for every configuration
=================================================

The expressions to copy, for each layout of ``output`` (batch-first or not, padded
or packed, unbatched) and one or two directions: the top layer's forward and
backward final states, the classifier feature, any layer's states, and the same
with :mod:`rnnstate`. Names: ``H_out`` the features per direction, ``N`` the batch size,
``num_layers`` and ``D`` as in the module, ``k`` a layer index. Every line
``A == B`` below was evaluated while this page was built, with
``torch.equal(A, B)`` (for a shape, ``A == B``); a line that stopped holding
would have failed the build. For packed input, the first line of each block
pads the output. To set
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
N, L, H_in, H_out, num_layers, k = 3, 5, 3, 4, 2, 0
lengths_in = [5, 2, 4]  # packed input: one length per sample, any order


def run(module: nn.LSTM, kind: str) -> dict[str, object]:
    """Run ``module`` on a seeded input of this kind; name what the lines use."""
    bf = module.batch_first
    shape = (L, H_in) if kind == "unbatched" else ((N, L, H_in) if bf else (L, N, H_in))
    x = torch.randn(shape)
    if kind != "packed":
        output, (h_n, c_n) = module(x)
        return {"output": output, "h_n": h_n, "c_n": c_n}
    packed = pack_padded_sequence(x, lengths_in, batch_first=bf, enforce_sorted=False)
    packed_output, (h_n, c_n) = module(packed)
    output, lengths = pad_packed_sequence(packed_output, batch_first=bf)
    return {
        "packed_output": packed_output,
        "output": output,
        "lengths": lengths,
        "h_n": h_n,
        "c_n": c_n,
        "L_max": max(lengths_in),
    }


# %%
# Each configuration runs a real 2-layer LSTM. :func:`rnnstate.expressions` gives
# its lines in PyTorch's symbols; each is evaluated and printed. (An LSTM's ``c_n``
# splits exactly like ``h_n``; it never appears in ``output``.)
verified = 0
for batch_first, D, kind in itertools.product(
    (True, False), (1, 2), ("padded", "packed", "unbatched")
):
    if kind == "unbatched" and batch_first:
        continue  # unbatched input has no batch axis for batch_first to move
    module = nn.LSTM(
        H_in, H_out, num_layers=num_layers, batch_first=batch_first, bidirectional=D == 2
    )
    code = rnnstate.expressions(module, input=kind, k="k", symbolic=True)
    scope = {
        "torch": torch,
        "rnnstate": rnnstate,
        "module": module,
        "N": N,
        "L": L,
        "D": D,
        "H_out": H_out,
        "H_cell": H_out,
        "num_layers": num_layers,
        "k": k,
    }
    scope |= run(module, kind)
    print(f"batch_first={batch_first}, D={D}, {kind}")
    if code.setup:
        print(f"  {code.setup}")
    for relation in code:
        assert eval(relation.assertion, scope), relation  # noqa: S307
        verified += 1
        print(f"  {relation.name:<34} {relation.code}  ==  {relation.equals}")
    print()
print(f"{verified} expressions verified on real modules")

# %%
# Check it yourself
# -----------------
# The picture labels each final cell of a bidirectional module with its row
# ``h_n[k * D + direction]``; the table is :func:`rnnstate.check` on the same module.
bi = nn.LSTM(H_in, H_out, num_layers=num_layers, batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(bi, seq_len=L)
report = rnnstate.check(bi, torch.randn(N, L, H_in))
assert report.ok
report
