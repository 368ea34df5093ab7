// The quotation picker: on a statement's page, a button on each quotation fills its paragraph
// and first and last words from the words selected in the text box. Without JavaScript the
// editor types them; either way the server cuts the passage (statements/passages.py, cut),
// so this only has to give words that cut exactly the selection.
"use strict";

(function () {
  const BLANK = /\n[^\S\n]*\n(?:[^\S\n]*\n)*/g; // as codes.normalise_text: paragraph breaks
  const WORDS = 6;

  function escaped(word) {
    return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // Where the words occur first in `text` from `from`, whatever white space lies between them
  // (as passages.words_pattern).
  function find(words, text, from) {
    const pattern = new RegExp(words.map(escaped).join("\\s+"), "g");
    pattern.lastIndex = from;
    const match = pattern.exec(text);
    return match ? [match.index, match.index + match[0].length] : null;
  }

  // The paragraphs of the text box's value as [start, end] offsets into it.
  function paragraphs(value) {
    const spans = [];
    const text = value.trimEnd();
    let start = value.length - value.trimStart().length;
    for (const gap of text.matchAll(BLANK)) {
      if (gap.index > start) spans.push([start, gap.index]);
      start = gap.index + gap[0].length;
    }
    if (text.length > start) spans.push([start, text.length]);
    return spans;
  }

  // The span that cuts the selection: paragraph numbers, and the fewest words (six or more)
  // at each end that the server finds at the selection's own ends.
  function span(textarea) {
    const value = textarea.value;
    let start = textarea.selectionStart;
    let end = textarea.selectionEnd;
    while (start < end && /\s/.test(value[start])) start++;
    while (end > start && /\s/.test(value[end - 1])) end--;
    if (start === end) return null;
    const spans = paragraphs(value);
    const first = spans.findIndex(([, e]) => start < e);
    const last = spans.findIndex(([, e]) => end <= e);
    if (first < 0 || last < 0) return null;
    const [firstStart, firstEnd] = spans[first];
    const [lastStart, lastEnd] = spans[last];
    const firstText = value.slice(firstStart, firstEnd);
    const lastText = value.slice(lastStart, lastEnd);
    const beginWords = value.slice(start, first === last ? end : firstEnd).split(/\s+/);
    const endWords = value.slice(first === last ? start : lastStart, end).split(/\s+/);
    let begins = beginWords;
    for (let n = WORDS; n < beginWords.length; n++) {
      const found = find(beginWords.slice(0, n), firstText, 0);
      if (found && found[0] === start - firstStart) {
        begins = beginWords.slice(0, n);
        break;
      }
    }
    const from = first === last ? start - lastStart : 0;
    let ends = endWords;
    for (let n = WORDS; n < endWords.length; n++) {
      const found = find(endWords.slice(-n), lastText, from);
      if (found && found[1] === end - lastStart) {
        ends = endWords.slice(-n);
        break;
      }
    }
    return {
      paragraph: first + 1,
      to: last + 1,
      begins: begins.join(" "),
      ends: ends.join(" "),
      selected: value.slice(start, end),
    };
  }

  function field(quotation, name) {
    return quotation.querySelector(`input[name$="-${name}"]`);
  }

  function addButton(quotation) {
    const ends = field(quotation, "ends");
    if (!ends || quotation.querySelector(".quotation-picker")) return;
    const row = ends.closest(".form-row") || ends.parentElement;
    const picker = document.createElement("div");
    picker.className = "form-row quotation-picker";
    picker.innerHTML =
      '<button type="button" class="button">Use the words selected in the text</button>' +
      '<p class="help" aria-live="polite">Select the quoted words in the text box above, ' +
      "then press the button: it fills the paragraph and the first and last words.</p>";
    row.after(picker);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".quotation-picker button");
    const textarea = document.getElementById("id_text");
    if (!button || !textarea) return;
    const quotation = button.closest(".inline-related");
    const note = button.parentElement.querySelector(".help");
    const chosen = span(textarea);
    if (!chosen) {
      note.textContent = "No words are selected in the text box: select the quoted passage first.";
      return;
    }
    field(quotation, "paragraph").value = chosen.paragraph;
    field(quotation, "to_paragraph").value = chosen.to === chosen.paragraph ? "" : chosen.to;
    field(quotation, "begins").value = chosen.begins;
    field(quotation, "ends").value = chosen.ends;
    const where =
      chosen.to === chosen.paragraph
        ? `paragraph ${chosen.paragraph}`
        : `paragraphs ${chosen.paragraph} to ${chosen.to}`;
    note.textContent = `Filled in: ${where}, “${chosen.selected}”. Save to check it against the resolution.`;
  });

  function start() {
    if (!document.getElementById("id_text")) return;
    document.querySelectorAll(".inline-related").forEach(addButton);
    document.addEventListener("formset:added", (event) => addButton(event.target));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
