/** CSV cells and rows shared by every CSV the lab writes (the results table, a sweep's points). */

/**
 * One CSV cell. A text that starts with = + - @ (or a tab or carriage return) would be read as a
 * formula by spreadsheets, and run labels are typed by people: such cells get a leading apostrophe
 * (OWASP "CSV injection"). Numbers, and texts that are just a number ("-0.6"), are written as they are.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  const plainNumber = s.trim() !== '' && Number.isFinite(Number(s));
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !plainNumber) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows of cells as CSV text: CRLF line ends, as RFC 4180 says, and one at the end. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
