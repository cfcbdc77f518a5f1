/**
 * What a terminal shows for a stream of output, for the few controls the
 * chat may send: enough to check what an `nc` user actually reads.
 */

/**
 * Renders `text` the way a terminal shows it: CR returns to column 0, LF
 * moves down a row (the chat always sends CR LF), `ESC [ K` erases to the
 * end of the row and NUL shows nothing. Every other character, including
 * U+FFFD for bytes that are not UTF-8, takes one cell. Any other control
 * throws, so an unexpected one fails the test that renders it.
 */
export function renderScreen(text: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    i += ch.length;
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      row++;
      rows[row] ??= [];
    } else if (ch === "\0") continue;
    else if (ch === "\x1b" && text.startsWith("[K", i)) {
      i += 2;
      rows[row]!.length = Math.min(rows[row]!.length, col);
    } else if (ch < " " || ch === "\x7f") {
      throw new Error(`Unexpected control ${JSON.stringify(ch)} at ${i - 1}`);
    } else {
      const cells = rows[row]!;
      while (cells.length < col) cells.push(" ");
      cells[col++] = ch;
    }
  }
  const lines = rows.map((cells) => cells.join(""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
