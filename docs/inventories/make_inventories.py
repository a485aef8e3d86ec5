"""Write the local intersphinx inventories the docs build reads first.

The build must work offline, and intersphinx warns (unsuppressibly) when it
cannot fetch an inventory, so ``conf.py`` lists these committed files first.
Each holds the objects that the site refers to, with their addresses in the
project's published documentation; a name the site starts using that is not
listed here shows up as a nitpicky warning, and so fails the build, until it is
added below and this script re-run::

    python docs/inventories/make_inventories.py
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).parent

# (name, domain:role, uri relative to the documentation root)
Entry = tuple[str, str, str]


# fmt: off
TENSOR_METHODS = [
    "abs", "backward", "chunk", "clone", "contiguous", "detach", "dim", "double", "eq",
    "flatten", "float", "item", "max", "mean", "movedim", "numel", "permute", "reshape",
    "size", "split", "squeeze", "sum", "tolist", "transpose", "unflatten", "unsqueeze", "view",
]
# fmt: on


def _torch() -> list[Entry]:
    entries: list[Entry] = [
        ("torch.Tensor", "py:class", "tensors.html#torch.Tensor"),
        ("torch.Size", "py:class", "size.html#torch.Size"),
        ("torch.dtype", "py:class", "tensor_attributes.html#torch.dtype"),
        ("torch.device", "py:class", "tensor_attributes.html#torch.device"),
        ("torch.testing.assert_close", "py:function", "testing.html#torch.testing.assert_close"),
        (
            "torch.backends.cudnn.allow_tf32",
            "py:attribute",
            "backends.html#torch.backends.cudnn.allow_tf32",
        ),
    ]
    generated = {
        "py:class": [
            "torch.nn.Module",
            "torch.nn.RNNBase",
            "torch.nn.RNN",
            "torch.nn.GRU",
            "torch.nn.LSTM",
            "torch.nn.RNNCell",
            "torch.nn.GRUCell",
            "torch.nn.LSTMCell",
            "torch.nn.Linear",
            "torch.nn.Embedding",
            "torch.nn.Dropout",
            "torch.nn.CrossEntropyLoss",
            "torch.nn.utils.rnn.PackedSequence",
            "torch.no_grad",
            "torch.optim.Adam",
            "torch.optim.SGD",
        ],
        "py:function": [
            "torch.allclose",
            "torch.arange",
            "torch.cat",
            "torch.equal",
            "torch.flip",
            "torch.full",
            "torch.manual_seed",
            "torch.ones",
            "torch.rand",
            "torch.randint",
            "torch.randn",
            "torch.stack",
            "torch.tensor",
            "torch.zeros",
            "torch.zeros_like",
            "torch.nn.utils.rnn.pack_padded_sequence",
            "torch.nn.utils.rnn.pad_packed_sequence",
            "torch.nn.utils.rnn.pad_sequence",
            "torch.nn.utils.rnn.pack_sequence",
            "torch.nn.utils.rnn.unpack_sequence",
            "torch.nn.utils.rnn.unpad_sequence",
            "torch.nn.functional.cross_entropy",
            "torch.use_deterministic_algorithms",
        ],
        "py:method": [f"torch.Tensor.{name}" for name in TENSOR_METHODS]
        + [f"torch.nn.Module.{name}" for name in ["eval", "forward", "parameters", "train"]],
    }
    for role, names in generated.items():
        entries += [(name, role, f"generated/{_page(name)}.html#{name}") for name in names]
    return entries


def _page(name: str) -> str:
    # PyTorch documents a method on its class's page only for nn.Module.
    return name.rsplit(".", 1)[0] if name.startswith("torch.nn.Module.") else name


def _python() -> list[Entry]:
    functions = ["bool", "float", "int", "str", "object", "tuple", "list", "dict", "eval"]
    entries: list[Entry] = [
        (name, "py:class" if name != "eval" else "py:function", f"library/functions.html#{name}")
        for name in functions
    ]
    entries += [
        (name, "py:exception", f"library/exceptions.html#{name}")
        for name in ["ValueError", "TypeError", "IndexError", "SyntaxError", "RuntimeError"]
    ]
    entries += [
        ("None", "py:data", "library/constants.html#None"),
        ("True", "py:data", "library/constants.html#True"),
        ("False", "py:data", "library/constants.html#False"),
        ("sequence", "std:term", "glossary.html#term-sequence"),
        ("mapping", "std:term", "glossary.html#term-mapping"),
        (
            "collections.abc.Collection",
            "py:class",
            "library/collections.abc.html#collections.abc.Collection",
        ),
        ("argparse.ArgumentParser", "py:class", "library/argparse.html#argparse.ArgumentParser"),
        ("argparse.Namespace", "py:class", "library/argparse.html#argparse.Namespace"),
        (
            "collections.abc.Sequence",
            "py:class",
            "library/collections.abc.html#collections.abc.Sequence",
        ),
        ("dataclasses.dataclass", "py:function", "library/dataclasses.html#dataclasses.dataclass"),
        ("typing.Literal", "py:data", "library/typing.html#typing.Literal"),
    ]
    return entries


def _matplotlib() -> list[Entry]:
    return [
        (name, role, f"api/_as_gen/{name}.html#{name}")
        for name, role in [
            ("matplotlib.figure.Figure", "py:class"),
            ("matplotlib.axes.Axes", "py:class"),
            ("matplotlib.patches.Rectangle", "py:class"),
            ("matplotlib.pyplot.subplots", "py:function"),
            ("matplotlib.pyplot.show", "py:function"),
        ]
    ]


def write(path: Path, project: str, version: str, entries: list[Entry]) -> None:
    """Write ``entries`` as a Sphinx version-2 inventory."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(set(entries)))
    path.write_bytes(header.encode() + zlib.compress(body.encode(), 9))


if __name__ == "__main__":
    write(HERE / "torch.inv", "PyTorch", "stable", _torch())
    write(HERE / "python.inv", "Python", "3", _python())
    write(HERE / "matplotlib.inv", "Matplotlib", "stable", _matplotlib())
