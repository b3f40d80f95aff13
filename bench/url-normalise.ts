/**
 * URL normalisation throughput, and bulk intake without the database: parse + normalise +
 * dedupe (a Set) of a 100,000-entry list, as medians over repeated runs.
 *
 *   node bench/url-normalise.ts [runs]
 *
 * The URLs are generated here from a fixed seed: platform post forms (Telegram, X, YouTube,
 * Facebook, Instagram, TikTok), tracking parameters, IDN hosts, lowercase percent-escapes,
 * default ports, fragments, archive.org, .onion, repeats and ~2% that are refused.
 */
import { parseBulkList, type BulkFormat } from '../src/domains/intake/bulk-list.ts';
import { normaliseUrl } from '../src/domains/intake/url.model.ts';

const runs = Number(process.argv[2] ?? 5);
const N = 100_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

let seed = 20_261_124;
function rand(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
}
function pick<T>(xs: readonly T[]): T {
  return xs[rand(xs.length)]!;
}

const TRACKING = ['', '', '?utm_source=telegram&utm_medium=social', '?fbclid=IwAR0abc123', '&utm_campaign=spring', '?si=Ab12Cd34', '?igshid=MzRlODBiNWFlZA=='];
const SITES = ['example.com', 'News.Example.org', 'forum.example.net.', 'bücher.example', 'пример.испытание', 'www.example.co.uk:443', 'files.example.io:8080', 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion'];
const NAMES = ['SomeChannel', 'news_feed_01', 'Media_Centre', 'archive_mirror', 'daily_update'];
const YT_IDS = ['dQw4w9WgXcQ', 'aBcDeFgHiJk', 'Zz_9-Yy8Xx7', 'QwErTyUiOp1'];

function generateUrl(): string {
  const id = rand(30_000);
  const name = pick(NAMES);
  switch (rand(14)) {
    case 0:
      return `https://t.me/${name}/${id}${pick(TRACKING)}`;
    case 1:
      return `${pick(['https://t.me/s/', 'http://telegram.me/', 't.me/'])}${name}/${id}#${id}`;
    case 2:
      return `https://${pick(['twitter.com', 'mobile.twitter.com', 'x.com'])}/${name}/status/17${id}0000000${pick(['', '?s=20&t=AbCdEf', '/photo/1'])}`;
    case 3:
      return pick([`https://youtu.be/${pick(YT_IDS)}?t=${id}&si=AbC`, `https://m.youtube.com/watch?v=${pick(YT_IDS)}&t=${id}s`, `https://www.youtube.com/shorts/${pick(YT_IDS)}`]);
    case 4:
      return `https://${pick(['m.facebook.com', 'facebook.com', 'www.facebook.com'])}/story.php?story_fbid=${id}&id=100${id % 50}&mibextid=Nif5oz`;
    case 5:
      return `https://instagram.com/p/C${id}xYz/?igsh=${id}&img_index=2`;
    case 6:
      return `https://www.tiktok.com/@${name.toLowerCase()}/video/72${id}00000000000?is_from_webapp=1&sender_device=pc`;
    case 7:
      return `https://archive.org/details/${name}_${id}`;
    case 8:
      return `https://web.archive.org/web/2024010${id % 10}000000/https://${pick(SITES)}/post/${id}?utm_source=x`;
    case 9:
      return `HTTPS://${pick(SITES)}/Post/%7e${id}/%c3%a9t%c3%a9?b=${id % 7}&a=1${pick(TRACKING).replace('?', '&')}#comments`;
    case 10:
      return `${pick(['http://', 'https://', ''])}${pick(SITES)}/files/${id}.pdf${pick(TRACKING)}`;
    case 11:
      return `https://${pick(SITES)}/search?q=${encodeURIComponent(`term ${id}`)}&page=${id % 5}&gclid=Cj0KCQ`;
    case 12:
      return `https://mega.nz/file/${id}AbC#KeY${id}_-xyz`;
    default:
      return rand(6) === 0 ? pick(['ftp://example.com/file', 'mailto:someone@example.com', 'not a url', 'https://user:pw@example.com/', '']) : `https://${pick(SITES)}/${name}/${id}/`;
  }
}

const urls = Array.from({ length: N }, generateUrl);
const text = urls.join('\n') + '\n';
const csv = 'id,url,note\r\n' + urls.map((u, i) => `${i},"${u.replaceAll('"', '""')}",row ${i}`).join('\r\n') + '\r\n';
const json = '[\n' + urls.map((u) => `  {"url": ${JSON.stringify(u)}}`).join(',\n') + '\n]\n';

async function* chunked(s: string): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(s);
  for (let i = 0; i < bytes.length; i += 65_536) yield bytes.subarray(i, i + 65_536);
}

function normaliseAll(): number {
  let ok = 0;
  for (const u of urls) if (normaliseUrl(u).ok) ok++;
  return ok;
}

async function intake(list: string, format: BulkFormat) {
  const seen = new Set<string>();
  const counts = { accepted: 0, duplicate: 0, rejected: 0 };
  for await (const l of parseBulkList(chunked(list), format)) {
    const n = l.url === null ? null : normaliseUrl(l.url);
    if (!n?.ok) counts.rejected++;
    else if (seen.has(n.url)) counts.duplicate++;
    else {
      seen.add(n.url);
      counts.accepted++;
    }
  }
  return counts;
}

for (let i = 0; i < 2; i++) normaliseAll();
const normaliseMs: number[] = [];
let accepted = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  accepted = normaliseAll();
  normaliseMs.push(performance.now() - t0);
}
const ms = median(normaliseMs);
console.log(`normaliseUrl: ${N.toLocaleString('en')} URLs (${accepted.toLocaleString('en')} accepted) in ${ms.toFixed(1)} ms median of ${runs} → ${Math.round((N / ms) * 1000).toLocaleString('en')} URLs/s`);

for (const [format, list] of [['text', text], ['csv', csv], ['json', json]] as const) {
  await intake(list, format);
  const times: number[] = [];
  let counts = { accepted: 0, duplicate: 0, rejected: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    counts = await intake(list, format);
    times.push(performance.now() - t0);
  }
  const mib = (Buffer.byteLength(list) / 1_048_576).toFixed(1);
  console.log(
    `parse + normalise + dedupe, ${format} (${mib} MiB, ${N.toLocaleString('en')} lines): ${median(times).toFixed(0)} ms median of ${runs}` +
      ` — accepted ${counts.accepted.toLocaleString('en')}, duplicate ${counts.duplicate.toLocaleString('en')}, rejected ${counts.rejected.toLocaleString('en')}`,
  );
}
