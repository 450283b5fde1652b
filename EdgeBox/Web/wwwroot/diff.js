// A line diff of two texts for the System page (the config editor and its history): the longest common
// subsequence of lines, shown as unified-diff hunks of "+"/"-" lines with a little context.

// Above this many cells (lines before x lines after, once the common head and tail are cut off) the LCS table
// would cost tens of MB; such a change is shown as the old block removed and the new one added.
const MAX_CELLS = 4_000_000;

function lines(text) {
  const all = String(text ?? "").split("\n");
  if (all.length && all[all.length - 1] === "") all.pop(); // "a\n" is one line, not two
  return all;
}

// Every line of both texts in order: { op: " " | "-" | "+", text, a, b } with a/b the 1-based line numbers in
// the old/new text (null on the side a line is not in).
export function lineDiff(before, after) {
  const a = lines(before);
  const b = lines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out = [];
  const same = (i, j) => out.push({ op: " ", text: a[i], a: i + 1, b: j + 1 });
  const removed = (i) => out.push({ op: "-", text: a[i], a: i + 1, b: null });
  const added = (j) => out.push({ op: "+", text: b[j], a: null, b: j + 1 });

  for (let k = 0; k < head; k++) same(k, k);
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n * m > MAX_CELLS) {
    for (let i = 0; i < n; i++) removed(head + i);
    for (let j = 0; j < m; j++) added(head + j);
  } else {
    // lcs[i * (m + 1) + j]: the LCS length of a[head+i..] and b[head+j..].
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = a[head + i] === b[head + j]
          ? lcs[(i + 1) * width + j + 1] + 1
          : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] === b[head + j]) { same(head + i, head + j); i++; j++; }
      else if (j >= m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) { removed(head + i); i++; }
      else { added(head + j); j++; }
    }
  }
  for (let k = tail; k > 0; k--) same(a.length - k, b.length - k);
  return out;
}

// The changed lines with `context` unchanged lines around them, in hunks:
// [{ header: "@@ -3,4 +3,5 @@", lines: [{ op, text, a, b }] }]; [] when the texts have the same lines.
export function hunks(diff, context = 3) {
  const changed = diff.map((d, i) => (d.op === " " ? -1 : i)).filter((i) => i >= 0);
  const result = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let end = changed[k];
    while (k < changed.length && changed[k] <= end + 2 * context + 1) end = changed[k++];
    end = Math.min(diff.length - 1, end + context);
    const part = diff.slice(start, end + 1);
    result.push({ header: header(part, diff, start), lines: part });
  }
  return result;
}

// "@@ -a,n +b,m @@": where the hunk starts in each text and how many of its lines each side has.
function header(part, diff, start) {
  const countA = part.filter((d) => d.op !== "+").length;
  const countB = part.filter((d) => d.op !== "-").length;
  // A side with no line in the hunk starts after the last line before it (0 at the top), as diff -u writes it.
  const before = (side) => {
    for (let i = start - 1; i >= 0; i--) if (diff[i][side] !== null) return diff[i][side];
    return 0;
  };
  const firstA = part.find((d) => d.a !== null)?.a ?? before("a");
  const firstB = part.find((d) => d.b !== null)?.b ?? before("b");
  return `@@ -${firstA},${countA} +${firstB},${countB} @@`;
}
