"""``python -m rnnstate``: explain one configuration from the command line.

Builds the module described by the arguments, prints its layout and shapes and
the :func:`rnnstate.check` table of a real call, and exits 0 when every
identity held. ``rnnstate verify ...`` runs :mod:`rnnstate.verify` instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnnstate import __version__
from rnnstate.identities import check
from rnnstate.layout import describe

__all__ = ["build_parser", "main"]

_MODULES = {"rnn": "RNN_TANH", "rnn_relu": "RNN_RELU", "gru": "GRU", "lstm": "LSTM"}


def _at_least(minimum: int, what: str) -> Callable[[str], int]:
    """Make an argparse type that takes an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive = _at_least(1, "a positive integer")
_non_negative = _at_least(0, "an integer >= 0")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``python -m rnnstate``.

    Returns
    -------
    argparse.ArgumentParser
        The parser; ``main`` uses it.
    """
    parser = argparse.ArgumentParser(
        prog="rnnstate",
        description=(
            "Build an nn.RNN/GRU/LSTM, run it once and show how its output, h_n and c_n "
            "relate: the layout, the shapes and every identity, checked."
        ),
        epilog="example: rnnstate gru --hidden-size 50 --num-layers 3 --bidirectional "
        "--batch-first --lengths 7 3 5 1. To check every configuration on your own "
        "device and dtypes: rnnstate verify (rnnstate verify --help).",
    )
    parser.add_argument("--version", action="version", version=f"rnnstate {__version__}")
    parser.add_argument("mode", choices=sorted(_MODULES), help="the recurrent module")
    parser.add_argument("--input-size", type=_positive, default=8, help="H_in (default 8)")
    parser.add_argument("--hidden-size", type=_positive, default=16, help="H_cell (default 16)")
    parser.add_argument("--num-layers", type=_positive, default=1, help="layers (default 1)")
    parser.add_argument("--bidirectional", action="store_true", help="D = 2")
    parser.add_argument(
        "--batch-first", action="store_true", help="input and output are (N, L, ...)"
    )
    parser.add_argument(
        "--proj-size", type=_non_negative, default=0, help="LSTM projection size (default 0: none)"
    )
    parser.add_argument(
        "--batch", type=_non_negative, default=4, help="N; 0 for unbatched input (default 4)"
    )
    parser.add_argument("--seq-len", type=_positive, default=5, help="L (default 5)")
    parser.add_argument(
        "--lengths",
        type=_positive,
        nargs="+",
        metavar="LEN",
        help="pack the batch with these lengths (one per sample, any order)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject combinations argparse cannot express; parser.error exits with status 2."""
    if args.proj_size and args.mode != "lstm":
        parser.error(f"--proj-size is only for lstm, got mode {args.mode}")
    if args.proj_size >= args.hidden_size:
        parser.error(
            f"--proj-size must be smaller than --hidden-size ({args.hidden_size}), "
            f"got {args.proj_size}"
        )
    if args.lengths is not None:
        if args.batch == 0:
            parser.error("--lengths needs a batch: unbatched input (--batch 0) is one sequence")
        if len(args.lengths) != args.batch:
            parser.error(
                f"--lengths needs one length per sample ({args.batch}), got {len(args.lengths)}"
            )
        if max(args.lengths) > args.seq_len:
            parser.error(
                f"--lengths must be at most --seq-len ({args.seq_len}), got {max(args.lengths)}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments; by default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every identity held, 1 otherwise. Bad arguments exit with 2.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["verify"]:
        from rnnstate.verify import main as verify  # only this command needs it

        return verify(words[1:])
    parser = build_parser()
    args = parser.parse_args(words)
    _validate(parser, args)
    torch.manual_seed(args.seed)
    options: dict[str, object] = {
        "num_layers": args.num_layers,
        "bidirectional": args.bidirectional,
        "batch_first": args.batch_first,
    }
    module: nn.Module
    if args.mode == "lstm":
        module = nn.LSTM(args.input_size, args.hidden_size, proj_size=args.proj_size, **options)
    elif args.mode == "gru":
        module = nn.GRU(args.input_size, args.hidden_size, **options)
    else:
        nonlinearity = "relu" if args.mode == "rnn_relu" else "tanh"
        module = nn.RNN(args.input_size, args.hidden_size, nonlinearity=nonlinearity, **options)
    layout = describe(module)
    N = args.batch or None
    shapes = layout.shapes(N, args.seq_len)
    x = torch.randn(shapes.input)
    source = "x"
    inp: torch.Tensor | torch.nn.utils.rnn.PackedSequence = x
    if args.lengths is not None:
        inp = pack_padded_sequence(
            x, args.lengths, batch_first=args.batch_first, enforce_sorted=False
        )
        source = (
            f"pack_padded_sequence(x, {args.lengths}, batch_first={args.batch_first}, "
            "enforce_sorted=False)"
        )

    print(f"module:  {layout.summary()}")
    print(f"input:   x of shape {shapes.input}" + (f", packed as {source}" if args.lengths else ""))
    if args.lengths is not None:
        # pad_packed_sequence pads to the longest length, not to --seq-len
        padded = layout.shapes(N, max(args.lengths)).output
        print(f"output:  {padded}  (after pad_packed_sequence)")
    else:
        print(f"output:  {shapes.output}")
    print(f"h_n:     {shapes.h_n}  (D*num_layers first, whatever batch_first says)")
    if shapes.c_n is not None:
        print(f"c_n:     {shapes.c_n}")
    print()
    report = check(module, inp)
    print(report)
    return 0 if report.ok else 1
