"""rnnstate.expressions: every relation it writes holds on a real module, in every form."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate
from rnnstate import expressions
from rnnstate.indexing import SIZES, InputKind, Relation, shape_symbols, state_rows

H_IN, H_CELL, PROJ = 3, 5, 2


def build(mode: str, layers: int, bi: bool, bf: bool, proj: bool) -> nn.RNNBase:
    options: dict[str, Any] = {"num_layers": layers, "bidirectional": bi, "batch_first": bf}
    if mode == "LSTM":
        return nn.LSTM(H_IN, H_CELL, proj_size=PROJ if proj else 0, **options)
    return (nn.GRU if mode == "GRU" else nn.RNN)(H_IN, H_CELL, **options)


def run(module: nn.RNNBase, kind: InputKind, lengths: list[int]) -> dict[str, object]:
    """Call the module; give every name the code may use, sizes included."""
    layout = rnnstate.describe(module)
    N, L = len(lengths), max(lengths)
    x = torch.randn(layout.shapes(None if kind == "unbatched" else N, L).input)
    scope: dict[str, object] = {"torch": torch, "rnnstate": rnnstate, "module": module}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "LSTM with projections", UserWarning)
        if kind == "packed":
            packed = pack_padded_sequence(
                x, lengths, batch_first=layout.batch_first, enforce_sorted=False
            )
            scope["packed_output"], hidden = module(packed)
            scope["output"], scope["lengths"] = pad_packed_sequence(
                scope["packed_output"],  # type: ignore[arg-type]
                batch_first=layout.batch_first,
            )
        else:
            scope["output"], hidden = module(x)
    scope["h_n"], scope["c_n"] = hidden if layout.is_lstm else (hidden, None)
    sizes = {"N": N, "L": L, "L_max": L, "H_out": layout.output_size, "H_cell": H_CELL}
    structure = {"D": layout.num_directions, "num_layers": layout.num_layers}
    return scope | sizes | structure


def holds(relation: Relation, scope: dict[str, object]) -> bool:
    return eval(relation.assertion, scope) is True  # noqa: S307 - the point of the test


configurations = st.tuples(
    st.sampled_from(["RNN", "GRU", "LSTM"]),
    st.integers(1, 3),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["padded", "packed", "unbatched"]),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(configurations)
def test_every_relation_holds_with_numbers_symbols_and_filled_templates(
    config: tuple[str, int, bool, bool, bool, InputKind, list[int]],
) -> None:
    mode, layers, bi, bf, proj, kind, lengths = config
    module = build(mode, layers, bi, bf, proj and mode == "LSTM")
    scope = run(module, kind, lengths)
    N = None if kind == "unbatched" else len(lengths)
    L = max(lengths)
    for k in range(layers):
        numbers = expressions(module, input=kind, batch_size=N, seq_len=L, k=k)
        symbols = expressions(module, input=kind, k="k", symbolic=True)
        templates = expressions(module, input=kind, k=k, placeholders=True)
        sizes = {name: scope[name] for name in SIZES}
        assert len(numbers) == len(symbols) == len(templates)
        for number, symbol, template in zip(numbers, symbols, templates, strict=True):
            assert holds(number, scope), number
            assert holds(symbol, {**scope, "k": k}), symbol
            filled = Relation(
                template.name,
                template.group,
                template.code.format(**sizes),
                template.equals.format(**sizes),
            )
            assert holds(filled, scope), template
            if template.group != "shape":  # the page shows shapes from shape_symbols
                assert filled.assertion == number.assertion


def test_the_final_states_of_a_bidirectional_gru_in_numbers() -> None:
    gru = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    finals = expressions(gru).group("final")
    assert [(r.code, r.equals) for r in finals] == [
        ("output[:, -1, :50]", "h_n[-2]"),
        ("output[:, 0, 50:]", "h_n[-1]"),
        (
            "torch.cat((h_n[-2], h_n[-1]), dim=-1)",
            "torch.cat((output[:, -1, :50], output[:, 0, 50:]), dim=-1)",
        ),
    ]


def test_a_sequence_first_unidirectional_module_reads_output_minus_one() -> None:
    relation = expressions(nn.GRU(3, 4))["final state, top layer (the classifier feature)"]
    assert (relation.code, relation.equals) == ("output[-1]", "h_n[-1]")


def test_symbols_write_the_layer_arithmetic_out() -> None:
    code = expressions(nn.LSTM(3, 4, num_layers=2, bidirectional=True), k="k", symbolic=True)
    assert code["layer k, backward"].code == "h_n[k * D + 1]"
    assert code["layer k, both directions"].equals == "h_n[k * D : (k + 1) * D]"
    assert code["h_n shape"].equals == "(D * num_layers, N, H_out)"
    assert code["c_n shape"].equals == "(D * num_layers, N, H_cell)"


def test_numbers_fold_the_layer_arithmetic() -> None:
    code = expressions(nn.LSTM(3, 4, num_layers=3, bidirectional=True), k=1, batch_size=2)
    assert code["layer 1, backward"].code == "h_n[3]"
    assert code["layer 1, both directions"].equals == "h_n[2:4]"
    assert code["layer 1, both directions"].code == "h_n.view(3, 2, 2, 4)[1]"


def test_placeholders_leave_the_readers_sizes_as_fields() -> None:
    code = expressions(nn.GRU(3, 4, bidirectional=True), input="packed", k=0, placeholders=True)
    assert (
        code["forward final, top layer"].code == "output[lengths - 1, torch.arange({N}), :{H_out}]"
    )
    assert code["output shape"].equals == "({L}, {N}, 2 * {H_out})"
    unidirectional = expressions(nn.GRU(3, 4), input="unbatched", placeholders=True)
    assert unidirectional["output shape"].equals == "({L}, {H_out})"


def test_packed_input_starts_with_the_padding_call_in_the_readers_names() -> None:
    code = expressions(
        nn.LSTM(3, 4, batch_first=True),
        input="packed",
        names={"output": "padded", "packed_output": "out", "lengths": "lens"},
    )
    assert code.setup == (
        "padded, lens = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)"
    )
    assert code["final state, top layer (the classifier feature)"].code == (
        "padded[torch.arange(N), lens - 1]"
    )
    assert code["rnnstate: from out"].code == "rnnstate.last_output(out, module)"


def test_the_cells_name_the_layer_direction_and_step_each_line_reads() -> None:
    code = expressions(nn.GRU(3, 4, num_layers=2, bidirectional=True), k="k")
    assert code["backward final, top layer"].cells == ((1, 1, "first"),)
    assert code["layer k, both directions"].cells == (("k", 0, "last"), ("k", 1, "first"))


def test_shape_symbols_follow_batch_first_and_the_input_kind() -> None:
    layout = rnnstate.describe(nn.GRU(3, 4))
    assert shape_symbols(layout)["output"] == ["L", "N", "D*H_out"]
    assert shape_symbols(layout, "unbatched") == {
        "output": ["L", "D*H_out"],
        "h_n": ["D*num_layers", "H_out"],
        "c_n": None,
    }


def test_expressions_print_one_line_each_after_the_setup() -> None:
    text = str(expressions(nn.GRU(3, 4, batch_first=True), input="packed"))
    lines = text.splitlines()
    assert lines[0].startswith("output, lengths = torch.nn.utils.rnn.pad_packed_sequence(")
    assert any("output[torch.arange(N), lengths - 1]  ==  h_n[-1]" in line for line in lines)


def test_check_evaluates_exactly_the_expressions_strings() -> None:
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    report = rnnstate.check(gru, torch.randn(2, 5, 3))
    code = expressions(gru, batch_size=2, seq_len=5).group("shape", "final")
    assert [i.expression for i in report.identities] == [r.assertion for r in code]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"input": "ragged"},
            ValueError,
            "input must be one of 'padded', 'packed', 'unbatched', got 'ragged'",
        ),
        ({"k": 2}, ValueError, r"k must be a layer of this 2-layer module \(0 to 1\), got 2"),
        ({"k": -1}, ValueError, "got -1"),
        ({"k": 1.0}, TypeError, "k must be an int, 'k' or None, got float 1.0"),
        ({"k": True}, TypeError, "got bool True"),
        ({"symbolic": "N"}, TypeError, "symbolic must be a bool or a collection of symbols"),
        ({"symbolic": ["N", "T"]}, ValueError, r"unknown symbols \['T'\]"),
        ({"names": {"hidden": "h"}}, ValueError, "names has key 'hidden'"),
        (
            {"names": {"h_n": "h n"}},
            ValueError,
            r"names\['h_n'\] must be a Python identifier, got 'h n'",
        ),
        ({"names": {"h_n": "__import__('os')"}}, ValueError, "must be a Python identifier"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1, got 0"),
        ({"seq_len": "5"}, TypeError, "seq_len must be an int, got str '5'"),
        (
            {"input": "unbatched", "batch_size": 3},
            ValueError,
            "batch_size must be None for unbatched",
        ),
    ],
)
def test_bad_arguments_name_themselves(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        expressions(nn.GRU(3, 4, num_layers=2), **kwargs)


def test_a_cell_is_not_a_module_with_an_output_sequence() -> None:
    with pytest.raises(TypeError, match=r"module must be an nn\.RNN, nn\.GRU or nn\.LSTM"):
        expressions(nn.GRUCell(3, 4))


def test_looking_up_a_missing_relation_lists_the_ones_there() -> None:
    with pytest.raises(KeyError, match="no relation named 'layer 0, forward'; these exist:"):
        expressions(nn.GRU(3, 4))["layer 0, forward"]


ROOT = Path(__file__).parents[1]
CODE_PIECES = re.compile(r"\b(output|h_n|c_n|padded)(\[|\.view\()")


def built_strings(path: Path) -> list[tuple[int, str]]:
    """Give the f-strings and .format() templates of a Python file that write indexing.

    A label printed beside a measured value (``print(f"h_n[{k}] ...: {x}")``) is
    a result, not code: only strings that are not printed directly count.
    """
    tree = ast.parse(path.read_text())
    printed = {
        id(arg)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "print"
        for arg in call.args
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in printed:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "replace")
            and isinstance(node.func.value, ast.Constant)
        ):
            text = str(node.func.value.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # a template to fill later, such as "output[-1{h}]"
            text = node.value if re.search(r"\{\w*\}", node.value) else ""
        else:
            continue
        if CODE_PIECES.search(text):
            found.append((node.lineno, text))
    return found


def test_only_rnnstate_indexing_builds_indexing_code_strings() -> None:
    sources = [
        *(ROOT / "rnnstate").glob("*.py"),
        *(ROOT / "docs" / "_ext").glob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
    ]
    builders = {
        str(path.relative_to(ROOT)): found
        for path in sources
        if path.name != "indexing.py" and (found := built_strings(path))
    }
    assert builders == {}
    script = (ROOT / "docs" / "_static" / "configurator.js").read_text()
    assert not CODE_PIECES.search(script), "the configurator writes code of its own"


def test_state_rows_name_the_rows_of_one_layer_and_direction() -> None:
    layout = rnnstate.describe(nn.GRU(3, 4, num_layers=3, bidirectional=True))
    assert state_rows(layout, 2, 1) == ["h_n[5]"]
    with pytest.raises(ValueError, match=r"direction must be 0 .* got 2"):
        state_rows(layout, 0, 2)
    with pytest.raises(ValueError, match=r"layer must be a layer of this 3-layer module"):
        state_rows(layout, 3, 0)
    with pytest.raises(TypeError, match="layer must be an int, got str 'k'"):
        state_rows(layout, "k", 0)  # type: ignore[arg-type]
