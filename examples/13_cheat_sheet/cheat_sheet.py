r"""
Cheat sheet: output, h_n and c_n indexing for each layout
=========================================================

The expressions to copy, for each layout of ``output`` (batch-first or not, padded
or packed, unbatched) and one or two directions: the top layer's forward and
backward final states, the classifier feature, the states of any layer ``k``, and
the same with :mod:`rnnstate`. Names: ``H_out`` the features per direction,
``H_cell`` those of ``c_n``, ``N`` the batch size, ``num_layers`` and ``D`` as in
the module, ``k`` a layer index. Each block below is a real 3-layer LSTM (two
more modules at the end), and every line ``A == B`` in it was evaluated while this
page was built, with ``torch.equal(A, B)`` (for a shape, ``A == B``), once for
each layer ``k`` of the module; a line that stopped holding would have failed the
build. For packed input, the first line of each block pads the output; it is run
too. To set the controls to your own module and copy the code for it, use
:doc:`/your-configuration`.
"""

# %%
import itertools
import warnings

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnstate

torch.manual_seed(0)
N, L, H_in, num_layers = 3, 5, 3, 3
lengths_in = [5, 2, 4]  # packed input: one length per sample, any order


def run(module: nn.RNNBase, kind: str) -> dict[str, object]:
    """Run ``module`` on a seeded input of this kind; name what it returns."""
    bf = module.batch_first
    x = torch.randn((L, H_in) if kind == "unbatched" else ((N, L, H_in) if bf else (L, N, H_in)))
    if kind == "packed":
        x = pack_padded_sequence(x, lengths_in, batch_first=bf, enforce_sorted=False)
    out, hidden = module(x)
    h_n, c_n = hidden if isinstance(module, nn.LSTM) else (hidden, None)
    return {"packed_output" if kind == "packed" else "output": out, "h_n": h_n, "c_n": c_n}


# %%
# ``sheet`` prints one block from :func:`rnnstate.expressions` and evaluates it:
# the packed setup line is run as printed, each line's check must be
# ``torch.equal(A, B)`` (``A == B`` for a shape), and it must hold for every
# ``k``. For an LSTM it also checks that ``c_n`` splits exactly like ``h_n`` (each
# layer-``k`` line holds with ``c_n`` for ``h_n`` and ``H_cell`` for ``H_out``) and
# that no number of ``c_n`` occurs anywhere in ``output``.
def sheet(module: nn.RNNBase, kind: str) -> int:
    """Print and check the lines of one module and input kind; count them."""
    code = rnnstate.expressions(module, input=kind, k="k", symbolic=True)
    H_out, H_cell = module.proj_size or module.hidden_size, module.hidden_size
    D, layers = 2 if module.bidirectional else 1, range(module.num_layers)
    sizes = {"N": N, "L": L, "L_max": max(lengths_in), "num_layers": module.num_layers}
    scope = {"torch": torch, "rnnstate": rnnstate, "module": module, "D": D, **sizes}
    scope |= {"H_out": H_out, "H_cell": H_cell, **run(module, kind)}
    lstm = isinstance(module, nn.LSTM)
    print(f"nn.{type(module).__name__}, batch_first={module.batch_first}, D={D}, {kind} input:")
    print(f"  H_out={H_out}" + (f", H_cell={H_cell}" if lstm else ""))
    if code.setup:
        print(f"  {code.setup}")
        exec(code.setup, scope)  # noqa: S102 (rnnstate's own line, as printed)
    for relation in code:
        shape = relation.group == "shape"
        a, b = relation.code, relation.equals
        assert relation.assertion == (f"{a} == {b}" if shape else f"torch.equal({a}, {b})")
        assert all(eval(relation.assertion, scope | {"k": k}) for k in layers), relation  # noqa: S307
        print(f"  {relation.name:<37} {relation.code}  ==  {relation.equals}")
    if lstm:
        as_c = scope | {"h_n": scope["c_n"], "H_out": H_cell}
        for relation in (r for r in code if any(cell[0] == "k" for cell in r.cells)):
            assert all(eval(relation.assertion, as_c | {"k": k}) for k in layers), relation  # noqa: S307
        assert not torch.isin(scope["c_n"], scope["output"]).any()
    print()
    return len(code)


# %%
# Every layout of ``output``, with one and with two directions. Unbatched input is
# run with ``batch_first`` both ways; its lines are the same.
lines = 0
for batch_first, D, kind in itertools.product(
    (True, False), (1, 2), ("padded", "packed", "unbatched")
):
    module = nn.LSTM(H_in, 4, num_layers=num_layers, batch_first=batch_first, bidirectional=D == 2)
    lines += sheet(module, kind)

# %%
# ``batch_first`` moves nothing for unbatched input: the same weights built with
# ``batch_first=True`` and ``False`` return the same ``output``, ``h_n`` and
# ``c_n``, bitwise, on this input.
first = nn.LSTM(H_in, 4, num_layers=num_layers, batch_first=True, bidirectional=True)
second = nn.LSTM(H_in, 4, num_layers=num_layers, bidirectional=True)
second.load_state_dict(first.state_dict())
x = torch.randn(L, H_in)
(out_a, (h_a, c_a)), (out_b, (h_b, c_b)) = first(x), second(x)
same = [torch.equal(*pair) for pair in ((out_a, out_b), (h_a, h_b), (c_a, c_b))]
print("output, h_n, c_n equal:", same)
assert all(same)

# %%
# ``nn.GRU`` returns ``output`` and ``h_n`` in the same layout, with no ``c_n``:
# one configuration of it, checked the same way. The :ref:`nn.RNN page
# <sphx_glr_auto_examples_05_plain_rnn_plain_rnn.py>` shows that ``nn.RNN`` does
# too.
gru = nn.GRU(H_in, 4, num_layers=num_layers, batch_first=True, bidirectional=True)
lines += sheet(gru, "padded")

# %%
# With ``proj_size`` set, an LSTM's ``H_out`` is ``proj_size`` and ``H_cell`` is
# ``hidden_size`` (here 2 and 4); the same lines hold. (On CPU, PyTorch warns that
# oneDNN has no kernel for projections; the :ref:`LSTM page
# <sphx_glr_auto_examples_04_lstm_lstm_cell_state_and_proj_size.py>` shows that
# warning, and this page filters it out.)
projected = nn.LSTM(
    H_in, 4, num_layers=num_layers, batch_first=True, bidirectional=True, proj_size=2
)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
    lines += sheet(projected, "padded")
print(f"{lines} lines, each checked for k = 0 to {num_layers - 1}")

# %%
# Check it yourself
# -----------------
# The picture labels each final cell of a bidirectional module with its row
# ``h_n[k * D + direction]``; the table is :func:`rnnstate.check` on the same module.
bi = nn.LSTM(H_in, 4, num_layers=num_layers, batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(bi, seq_len=L)
report = rnnstate.check(bi, torch.randn(N, L, H_in))
assert report.ok
report
