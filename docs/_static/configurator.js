// "Your configuration": show the verified shapes and code for the reader's module.
// The data (window.RNNSTATE_CONFIGURATIONS) is written by the docs build after it
// checked every line on a real module; this script only looks it up and shows it.
(function () {
  "use strict";

  const data = window.RNNSTATE_CONFIGURATIONS;
  const form = document.getElementById("rnnstate-controls");
  const result = document.getElementById("rnnstate-result");
  if (!data || !form || !result) {
    return;
  }
  const SVG = "http://www.w3.org/2000/svg";

  // The page's words in the site's language: data.text maps each English string
  // below (the argument of t) to its translation; English pages carry none.
  // "{name}" fields are filled from values.
  const TEXT = data.text || {};
  function t(text, values) {
    let shown = TEXT[text] || text;
    for (const [name, value] of Object.entries(values || {})) {
      shown = shown.split(`{${name}}`).join(String(value));
    }
    return shown;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") {
        node.textContent = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    for (const child of children) {
      node.append(child);
    }
    return node;
  }

  // The largest size the page accepts: beyond it a number is a typo, not a model.
  const MAX_SIZE = 1000000;
  const SIZE_LABELS = { N: "N", L: "L", hidden_size: "hidden_size", proj_size: "proj_size" };

  // A size field: null when empty, a number when valid, else an error message.
  function sizeField(name) {
    const field = form.elements[name];
    const text = field.value.trim();
    if (field.disabled || text === "") return { value: null, error: null };
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > MAX_SIZE) {
      const shown = text.length > 20 ? text.slice(0, 20) + "\u2026" : text;
      return {
        value: null,
        error: t("{name} must be a whole number from 1 to {max}, got \u201c{shown}\u201d.",
          { name: SIZE_LABELS[name], max: MAX_SIZE.toLocaleString("en"), shown: shown }),
      };
    }
    return { value: value, error: null };
  }

  // The key the build wrote each configuration under: the controls named in
  // data.key_fields, in that order (a checkbox counts as 0 or 1).
  function configKey() {
    return data.key_fields.map((name) => {
      const field = form.elements[name];
      if (field.type === "checkbox") return field.checked && !field.disabled ? "1" : "0";
      return field.value;
    }).join("|");
  }

  function readControls() {
    const f = form.elements;
    const mode = f.mode.value;
    f.proj.disabled = mode !== "LSTM";
    f.proj_size.disabled = mode !== "LSTM" || !f.proj.checked;
    const layers = parseInt(f.num_layers.value, 10);
    // The layer selector offers the layers this module has.
    const k = Math.min(parseInt(f.k.value || "0", 10), layers - 1);
    f.k.replaceChildren(...Array.from({ length: layers }, (_, i) => el("option", { text: String(i) })));
    f.k.value = String(k);
    const config = {
      layers: layers,
      bidirectional: f.bidirectional.checked,
      proj: mode === "LSTM" && f.proj.checked,
      input: f.input.value,
      k: k,
      key: configKey(),
    };
    // Numbers for the symbols, where the reader gave valid ones.
    const fields = {};
    const errors = [];
    for (const name of Object.keys(SIZE_LABELS)) {
      fields[name] = sizeField(name);
      if (fields[name].error) errors.push(fields[name].error);
    }
    const hidden = fields.hidden_size.value;
    const proj = fields.proj_size.value;
    if (config.proj && hidden && proj && proj >= hidden) {
      errors.push(t("proj_size must be smaller than hidden_size ({hidden}), got {proj}.",
        { hidden: hidden, proj: proj }));
    }
    const values = { D: config.bidirectional ? 2 : 1, num_layers: layers, k: k };
    if (!errors.length) {
      if (fields.N.value) values.N = fields.N.value;
      if (fields.L.value) values.L = fields.L.value;
      if (hidden) values.H_cell = hidden;
      if (config.proj ? proj : hidden) values.H_out = config.proj ? proj : hidden;
    }
    config.values = values;
    config.errors = errors;
    config.numeric = ["N", "L", "H_out", "H_cell"].some((name) => name in values);
    return config;
  }

  // "D*H_out" -> a number when every symbol in it is known, else the symbol itself.
  function size(symbol, values) {
    const parts = symbol.split("*");
    if (parts.every((p) => p in values)) {
      return String(parts.reduce((acc, p) => acc * values[p], 1));
    }
    return symbol;
  }

  function shapeText(symbols, values, numeric) {
    return "(" + symbols.map((s) => (numeric ? size(s, values) : s)).join(", ") + ")";
  }

  // The code of one line: in symbols, or (once the reader gave sizes) the build's
  // template for layer k with each {N}-style field filled in, or left as its symbol.
  function codeOf(line, config) {
    if (!config.numeric) return [line.code, line.equals];
    const filled = Array.isArray(line.filled[0]) ? line.filled[config.k] : line.filled;
    return filled.map((template) => template.replace(/\{(N|L|H_out|H_cell)\}/g,
      (_, name) => (name in config.values ? String(config.values[name]) : name)));
  }

  function copyButton(text) {
    const button = el("button", { type: "button", class: "rnnstate-copy", text: t("copy") });
    button.setAttribute("aria-label", t("copy: {code}", { code: text }));
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(text).then(() => {
        button.textContent = t("copied");
        setTimeout(() => (button.textContent = t("copy")), 1200);
      });
    });
    return button;
  }

  function diagram(config, cellsToMark) {
    const D = config.bidirectional ? 2 : 1;
    const steps = Math.max(2, Math.min(config.values.L || 5, 10));
    const w = 34;
    const h = 22;
    const left = 92;
    const rows = config.layers * D;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${left + steps * w + 8} ${rows * h + 26}`);
    svg.setAttribute("class", "rnnstate-diagram");
    svg.setAttribute("role", "img");
    const marked = new Set(cellsToMark.map((c) => c.join(",")));
    const labels = [];
    for (let layer = 0; layer < config.layers; layer++) {
      for (let dir = 0; dir < D; dir++) {
        const row = rows - 1 - (layer * D + dir);
        const y = row * h + 4;
        const text = document.createElementNS(SVG, "text");
        text.setAttribute("x", left - 6);
        text.setAttribute("y", y + h / 2 + 4);
        text.setAttribute("text-anchor", "end");
        text.textContent = `${t("layer {layer}", { layer: layer })} ${dir === 0 ? "\u2192" : "\u2190"}`;
        svg.append(text);
        for (let col = 0; col < steps; col++) {
          const rect = document.createElementNS(SVG, "rect");
          rect.setAttribute("x", left + col * w + 2);
          rect.setAttribute("y", y + 2);
          rect.setAttribute("width", w - 4);
          rect.setAttribute("height", h - 4);
          rect.setAttribute("rx", 3);
          const step = col === steps - 1 ? "last" : col === 0 ? "first" : null;
          const isMarked = step !== null && (
            (step === "last" && dir === 0 && marked.has(`${layer},0,last`)) ||
            (step === "first" && dir === 1 && marked.has(`${layer},1,first`)));
          let cls = "cell";
          if (layer === config.layers - 1) cls += " output";
          if (isMarked) {
            cls += " read";
            labels.push(dir === 0
              ? t("layer {layer} forward at the last step", { layer: layer })
              : t("layer {layer} backward at step 0", { layer: layer }));
          }
          rect.setAttribute("class", cls);
          svg.append(rect);
        }
      }
    }
    const axis = document.createElementNS(SVG, "text");
    axis.setAttribute("x", left);
    axis.setAttribute("y", rows * h + 20);
    axis.textContent = config.input === "packed"
      ? t("steps \u2192 (last = each sequence's own length)") : t("steps \u2192");
    svg.append(axis);
    svg.setAttribute("aria-label",
      labels.length ? t("reads: {cells}", { cells: labels.join("; ") }) : t("unrolled network"));
    return svg;
  }

  // A cell's layer is a number, or "k" for the layer the reader picked.
  function resolveCells(cells, config) {
    return cells.map(([layer, dir, step]) => [layer === "k" ? config.k : layer, dir, step]);
  }

  function render() {
    const config = readControls();
    const notes = config.errors.map((text) => el("p", { class: "rnnstate-input-error", role: "alert", text: text }));
    const entry = data.configurations[config.key];
    if (!entry) {
      result.replaceChildren(el("p", { text: t("No verified data for this combination.") }));
      return;
    }
    const values = config.values;
    const shapes = el("table", { class: "rnnstate-config-shapes" },
      el("thead", {}, el("tr", {}, el("th", { text: t("tensor") }), el("th", { text: t("shape") }))));
    const body = el("tbody");
    for (const name of ["output", "h_n", "c_n"]) {
      const symbols = entry.shapes[name];
      if (!symbols) continue;
      const label = name === "output" && config.input === "packed"
        ? t("output (after pad_packed_sequence)") : name;
      body.append(el("tr", { "data-tensor": name },
        el("td", {}, el("code", { text: label })),
        el("td", {}, el("code", { class: "rnnstate-shape", text: shapeText(symbols, values, config.numeric) }))));
    }
    shapes.append(body);

    const svgHolder = el("div", { class: "rnnstate-diagram-holder" });
    const list = el("table", { class: "rnnstate-config-lines" },
      el("thead", {}, el("tr", {}, el("th", { text: t("what") }), el("th", { text: t("code") }),
        el("th", { text: t("equals") }), el("th", { text: t("copy") }))));
    const lines = el("tbody");
    entry.lines.forEach((line, i) => {
      const [code, equals] = codeOf(line, config);
      const row = el("tr", { tabindex: "0", "data-line": String(i) },
        el("td", { text: t(line.what) }),
        el("td", {}, el("code", { class: "rnnstate-code", text: code })),
        el("td", {}, el("code", { class: "rnnstate-equals", text: equals })),
        el("td", {}, copyButton(code)));
      const show = () => {
        lines.querySelectorAll("tr.active").forEach((r) => r.classList.remove("active"));
        row.classList.add("active");
        svgHolder.replaceChildren(diagram(config, resolveCells(line.cells, config)));
      };
      row.addEventListener("mouseenter", show);
      row.addEventListener("focus", show);
      lines.append(row);
    });
    list.append(lines);

    const parts = [
      ...notes,
      el("h2", { text: t("Shapes") }),
      shapes,
    ];
    if (entry.setup) {
      parts.push(el("p", { text: t("For packed input, pad the output first:") }),
        el("pre", {}, el("code", { class: "rnnstate-setup", text: entry.setup })));
    }
    const count = Object.keys(data.configurations).length;
    parts.push(
      el("h2", { text: t("Code") }),
      el("p", { class: "rnnstate-provenance", text: t("Checked while this site was built, with torch {torch} on {device}: all {count} combinations of the controls, each on a real module with the build's own sizes. Nothing here was run on a GPU.", { torch: data.torch, device: data.device, count: count }) }),
      el("p", { text: t("Each line equals the expression beside it exactly (torch.equal, checked on a real module while this site was built). Hover over a line, or move to it with Tab, to see which cells it reads.") }),
      el("div", { class: "rnnstate-table-wrap" }, list),
      svgHolder);
    result.replaceChildren(...parts);
    svgHolder.replaceChildren(diagram(config, resolveCells(entry.lines[0].cells, config)));
    lines.firstChild.classList.add("active");
  }

  form.addEventListener("input", render);
  form.addEventListener("change", render);
  render();
})();
