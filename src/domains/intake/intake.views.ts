/** How items and captures look in the API and in evidence manifests: hashes as `sha256:…`. */
import type { Item } from './intake.model.ts';
import type { Capture } from './capture.model.ts';
import type { StoredScreenshot } from './intake.repository.ts';

const hash = (hex: string | null) => (hex ? `sha256:${hex}` : null);

export function toItemView(i: Item) {
  return { id: i.id, kind: i.kind, url: i.url, submittedUrl: i.submittedUrl, host: i.host, platform: i.platform, origin: i.origin, parentItemId: i.parentItemId, sourceId: i.sourceId, state: i.state, captureCount: i.captureCount, lastCapturedAt: i.lastCapturedAt, lastError: i.lastError, createdAt: i.createdAt };
}

/**
 * The item as the API shows it: the evidence view plus its triage priority. Priority changes as
 * banks change, so it stays out of evidence manifests (which use `toItemView`).
 */
export function toItemApiView(i: Item) {
  return { ...toItemView(i), priority: i.priority };
}

export function toCaptureView(c: Capture, shots: StoredScreenshot[]) {
  return {
    id: c.id,
    itemId: c.itemId,
    state: c.state,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    errorCode: c.errorCode,
    errorMessage: c.errorMessage,
    httpStatus: c.httpStatus,
    finalUrl: c.finalUrl,
    resolvedIp: c.resolvedIp,
    via: c.via,
    redirects: c.redirects,
    headers: c.headers,
    tls: c.tls,
    timings: c.timings,
    fetcherVersion: c.fetcherVersion,
    bodyHash: hash(c.bodySha256),
    bodySize: c.bodySize,
    warcHash: hash(c.warcSha256),
    textHash: hash(c.textSha256),
    declaredType: c.declaredType,
    sniffedType: c.sniffedType,
    title: c.title,
    languageHint: c.languageHint,
    language: c.language,
    languageConfidence: c.languageConfidence,
    outlinkCount: c.outlinkCount,
    childItemCount: c.childItemCount,
    screenshots: shots.filter((s) => s.captureId === c.id).map((s) => ({ id: s.id, hash: `sha256:${s.sha256}`, width: s.width, height: s.height, renderedAt: s.renderedAt, blockedRequests: s.requests.filter((r) => r.blocked).length })),
  };
}

