/**
 * Saving bytes the app already holds (a fetched evidence package, a report built here) as a file.
 * Downloads go through an object URL rather than a plain link because the requests need the CSRF
 * header (POST) or should surface the server's error message instead of a broken download.
 */

/** How long an object URL stays valid after the click; the browser has copied the bytes by then. */
const REVOKE_AFTER_MS = 60_000;

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/**
 * One CSV field (RFC 4180). Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab, CR at the start) get a leading `'`: the rows come from lists people upload, which may hold
 * anything, and the report is meant to be opened in a spreadsheet.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
