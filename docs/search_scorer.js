/*
 * Rank full-text search results by how many of the query's words a page has in
 * its titles, not by the best single word.
 *
 * Sphinx's searchtools.js scores a page by its best-matching word only (15 for a
 * word in a title, 5 in the text) and breaks ties alphabetically. Most readers'
 * queries hold a common word ("output", "hidden", "state") that is in the titles
 * of many pages, so nearly every page scored 15 and the order was the alphabet's.
 * Here a page scores the sum of its words' scores, so the page whose titles carry
 * most of the query comes first. Everything else (which pages match, the partial
 * matches, the excluded terms, titles and objects) is searchtools.js's own.
 *
 * Chinese queries are split into the index's own words first: the index of the
 * Chinese edition holds the words jieba found in the pages, but searchtools.js
 * splits a query only at spaces and punctuation, so "双向LSTM的最终隐藏状态"
 * would be one word that no page has. Each run of Chinese characters is split by
 * longest match against the index's words (single characters, mostly particles
 * such as 的 and 和, are dropped).
 *
 * conf.py names this file as html_search_scorer; Sphinx appends it to
 * language_data.js, which the search page loads right after searchtools.js.
 */
"use strict";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

// Split a run of Chinese characters into the longest words the index knows.
const segment = (text, known) => {
  const words = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + 8);
    while (end > start + 1 && !known(text.slice(start, end))) end -= 1;
    if (end > start + 1) words.push(text.slice(start, end));
    start = end;
  }
  return words;
};

Search.performTermsSearch = (queryTerms, excludedTerms) => {
  const index = Search._index;
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const known = (word) => has(index.terms, word) || has(index.titleterms, word);
  const searchTerms = new Set();
  for (const term of queryTerms) {
    if (!CJK.test(term)) {
      searchTerms.add(term);
      continue;
    }
    // Chinese runs are segmented; letters and digits between them are kept whole.
    for (const part of term.split(/([\u3400-\u9fff\uf900-\ufaff]+)/)) {
      if (!part) continue;
      // A run the index holds whole (the English index keeps Chinese text unsplit) stays.
      const words = CJK.test(part) && !known(part) ? segment(part, known) : [part];
      words.forEach((word) => searchTerms.add(word));
    }
  }
  const asList = (files) => (files.length === undefined ? [files] : files);
  const escape = (word) => word.replace(/[.*+\-?^${}()|[\]\\]/g, "\\$&");

  // For each page, the best score of each query word found in it.
  const scores = new Map();
  searchTerms.forEach((word) => {
    const records = [
      { files: has(index.terms, word) ? index.terms[word] : undefined, score: Scorer.term },
      {
        files: has(index.titleterms, word) ? index.titleterms[word] : undefined,
        score: Scorer.title,
      },
    ];
    if (word.length > 2) {
      const pattern = new RegExp(escape(word));
      if (!has(index.terms, word)) {
        for (const term of Object.keys(index.terms)) {
          if (term.match(pattern)) {
            records.push({ files: index.terms[term], score: Scorer.partialTerm });
          }
        }
      }
      if (!has(index.titleterms, word)) {
        for (const term of Object.keys(index.titleterms)) {
          if (term.match(pattern)) {
            records.push({ files: index.titleterms[term], score: Scorer.partialTitle });
          }
        }
      }
    }
    for (const record of records) {
      if (record.files === undefined) continue;
      for (const file of asList(record.files)) {
        if (!scores.has(file)) scores.set(file, new Map());
        const best = scores.get(file);
        best.set(word, Math.max(best.get(word) || 0, record.score));
      }
    }
  });

  // A page must hold every query word (words of 1 or 2 letters may be missing, as
  // in searchtools.js) and none of the excluded ones.
  const required = [...searchTerms].filter((word) => word.length > 2);
  const excludes = (file) =>
    [...excludedTerms].some(
      (term) =>
        (has(index.terms, term) && asList(index.terms[term]).includes(file))
        || (has(index.titleterms, term) && asList(index.titleterms[term]).includes(file)),
    );
  const results = [];
  for (const [file, best] of scores) {
    if (best.size !== searchTerms.size && !required.every((word) => best.has(word))) continue;
    if (excludes(file)) continue;
    let score = 0;
    for (const value of best.values()) score += value;
    results.push([
      index.docnames[file],
      index.titles[file],
      "",
      null,
      score,
      index.filenames[file],
      SearchResultKind.text,
    ]);
  }
  return results;
};
