/** Display helpers. Times arrive as epoch milliseconds and are shown in the viewer's local zone. */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2025-03-14 09:26:53`: ISO-like, local time, sortable by eye. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** The machine-readable form for `<time dateTime>`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Local midnight at the start of a `YYYY-MM-DD` date input, or undefined when empty or invalid. */
export function startOfLocalDay(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

/** The last millisecond of a `YYYY-MM-DD` local day, so a "to" date includes the whole day. */
export function endOfLocalDay(date: string): number | undefined {
  const start = startOfLocalDay(date);
  if (start === undefined) return undefined;
  const d = new Date(start);
  d.setDate(d.getDate() + 1);
  return d.getTime() - 1;
}

/** Bytes for people: 1234 B, 12.3 KiB, 4.5 MiB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
