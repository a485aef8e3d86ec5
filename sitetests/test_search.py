"""The site's own search, asked what readers ask, in their words.

Each query runs through the built site's ``searchtools.js`` against its
``searchindex.js``, in Chromium, exactly as the search page runs it: the query is
parsed and scored by the page's own ``Search`` object, and the results are taken
in the order the page lists them. The page that answers must be among the first
three. Pages that answer nothing (the API usage report, chapter indexes) must not be
in the index at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from .browsing import ranked, visit
from .browsing import search_page as open_search

TOP = 3
GUIDE = "auto_examples/"
ONE_LAYER = GUIDE + "01_one_layer/output_vs_h_n"
LAYERS = GUIDE + "02_layers/stacked_layers"
BIDIRECTIONAL = GUIDE + "03_bidirectional/bidirectional_final_states"
LSTM = GUIDE + "04_lstm/lstm_cell_state_and_proj_size"
PLAIN_RNN = GUIDE + "05_plain_rnn/plain_rnn"
BATCH_FIRST = GUIDE + "06_batch_first/batch_first_and_unbatched"
PACKED = GUIDE + "07_packed/packed_sequences"
PITFALLS = GUIDE + "08_pitfalls/pitfalls"
STREAMING = GUIDE + "09_initial_states/initial_states_and_streaming"
EXACTNESS = GUIDE + "10_exactness/exact_or_close"
ENCODER = GUIDE + "11_recipes/encoder_to_decoder"
KERAS = GUIDE + "11_recipes/keras_mapping"
CLASSIFIER = GUIDE + "11_recipes/packed_bilstm_classifier"
POPULAR = GUIDE + "12_popular_answer/popular_answer_checked"
CHEAT_SHEET = GUIDE + "13_cheat_sheet/cheat_sheet"

# (what a reader types, the page that answers it)
QUERIES = [
    ("difference between output and hidden", ONE_LAYER),
    ("pytorch gru output vs hidden", ONE_LAYER),
    ("how to get the last hidden state", ONE_LAYER),
    ("output and hidden look like a transpose", ONE_LAYER),
    ("num_layers h_n every layer", LAYERS),
    ("stacked layers dropout between layers", LAYERS),
    ("bidirectional lstm final hidden state", BIDIRECTIONAL),
    ("BiLSTM output", BIDIRECTIONAL),
    ("backward direction final state at step 0", BIDIRECTIONAL),
    ("concatenate forward and backward hidden states", BIDIRECTIONAL),
    ("h_n.view(num_layers, num_directions, batch, hidden_size)", BIDIRECTIONAL),
    ("lstm cell state c_n", LSTM),
    ("what is proj_size", LSTM),
    ("LSTM with projections is not supported with oneDNN", LSTM),
    ("vanilla rnn relu", PLAIN_RNN),
    ("nn.RNN tanh hidden state", PLAIN_RNN),
    ("does batch_first apply to the hidden state", BATCH_FIRST),
    ("batch_first hidden state", BATCH_FIRST),
    ("batch_first h_0 shape", BATCH_FIRST),
    ("input without batch dimension", BATCH_FIRST),
    ("unbatched input 2-D h_0", BATCH_FIRST),
    ("why do we pack sequences", PACKED),
    ("variable length sequences", PACKED),
    ("pack_padded_sequence h_n last valid step", PACKED),
    ("pad_packed_sequence total_length", PACKED),
    ("enforce_sorted", PACKED),
    ("sorted_indices", PACKED),
    ("padded batch not packed", PITFALLS),
    ("common mistakes with h_n", PITFALLS),
    ("h_n reshape mixes samples", BIDIRECTIONAL),
    ("initial hidden state h_0", STREAMING),
    ("truncated backpropagation through time", STREAMING),
    ("stream a long sequence in chunks", STREAMING),
    ("detach hidden state between batches", STREAMING),
    ("gru different results batched and one by one", EXACTNESS),
    ("LSTMCell loop vs nn.LSTM", EXACTNESS),
    ("torch.equal or allclose", EXACTNESS),
    ("encoder decoder bidirectional hidden state", ENCODER),
    ("seq2seq decoder initial state from a bidirectional encoder", ENCODER),
    ("keras return_sequences", KERAS),
    ("return_state in pytorch", KERAS),
    ("bilstm classifier on packed sequences", CLASSIFIER),
    ("are gru hidden and output the same", POPULAR),
    ("hn_conceptual_view", POPULAR),
    ("Pytorch 中 GRU 单元的隐藏和输出是否相同", POPULAR),
    ("indexing cheat sheet", CHEAT_SHEET),
    ("cudnn tf32 gpu", "gpu"),
    ("questions readers ask", "questions"),
    ("rnnstate final_state", "api"),
    ("nox session", "contributing"),
    ("my configuration shapes and code", "your-configuration"),
]


@pytest.fixture(scope="module")
def search_page(browser: Browser, base_url: str) -> Iterator[Page]:
    with open_search(browser, f"{base_url}/search.html") as page:
        yield page


def test_there_are_at_least_40_reader_queries_and_every_page_they_name_exists(site: Path) -> None:
    assert len(QUERIES) >= 40
    missing = [page for _, page in QUERIES if not (site / f"{page}.html").is_file()]
    assert missing == []


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_the_site_search_lists_the_answering_page_in_its_top_3(
    search_page: Page, query: str, expected: str
) -> None:
    top = ranked(search_page, query)[:TOP]
    assert expected in top, f"{query!r}: the search lists {top}, not {expected}"


def test_the_ranking_used_here_is_the_one_the_search_page_shows(
    browser: Browser, base_url: str, search_page: Page
) -> None:
    query = "bidirectional lstm final hidden state"
    context = browser.new_context()
    seen = visit(context, f"{base_url}/search.html?q={query.replace(' ', '+')}")
    summary = "#search-results .search-summary"
    seen.page.wait_for_function(
        f"() => document.querySelector('{summary}')?.textContent.length > 0", timeout=15_000
    )
    links = seen.page.locator("#search-results ul.search li a")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(5)]
    shown = [re.sub(r"\.html(#.*)?$", "", href) for href in hrefs]
    assert shown == ranked(search_page, query)[:5]
    assert seen.errors == []
    context.close()


def _search_index(site: Path) -> tuple[list[str], list[str], set[int]]:
    """Read the docnames, titles and the pages that have any word in the index."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    worded: set[int] = set()
    for table in (data["terms"], data["titleterms"]):
        for files in table.values():
            worded.update(files if isinstance(files, list) else [files])
    return [str(d) for d in data["docnames"]], [str(t) for t in data["titles"]], worded


def _answers_nothing(docname: str) -> bool:
    name = docname.rsplit("/", 1)[-1]
    gallery_index = re.fullmatch(r"auto_examples/([^/]+/)?index", docname) is not None
    return name == "sg_api_usage" or gallery_index


def test_pages_that_answer_nothing_are_not_in_the_search_index(site: Path) -> None:
    docnames, titles, worded = _search_index(site)
    quiet = [i for i, name in enumerate(docnames) if _answers_nothing(name)]
    assert len(quiet) >= 14  # the API usage report, the guide's index and every chapter's
    assert [docnames[i] for i in quiet if titles[i] or i in worded] == []


def test_the_pages_that_answer_are_in_the_search_index(site: Path) -> None:
    docnames, titles, worded = _search_index(site)
    answering = {page for _, page in QUERIES}
    found = {name for i, name in enumerate(docnames) if titles[i] and i in worded}
    assert sorted(answering - found) == []


def test_the_first_screen_of_the_landing_page_gives_both_answers(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = visit(context, f"{base_url}/index.html").page
    table = page.locator("article table").first.bounding_box()
    assert table is not None
    for answer in ("h_n[-1]", "torch.cat((h_n[-2], h_n[-1]), dim=-1)"):
        box = page.locator("article code", has_text=answer).first.bounding_box()
        assert box is not None, answer
        assert box["y"] + box["height"] <= 800, (answer, box)  # on the first screen
        assert box["y"] < table["y"], (answer, box)  # above the first table
    context.close()
