/** Items and how they arrive. Pure. */

export const ITEM_KINDS = ['url', 'file'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** Where an item came from: people (api, ui, cli), a bulk list, a watched source, or a parent page. */
export const ITEM_ORIGINS = ['api', 'ui', 'cli', 'bulk', 'watch', 'page'] as const;
export type ItemOrigin = (typeof ITEM_ORIGINS)[number];

export const ITEM_STATES = ['queued', 'captured', 'failed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

export interface Item {
  id: string;
  agencyId: string;
  kind: ItemKind;
  /** Normalised URL; unique per agency. For uploaded files, `file:sha256:<hex>`. */
  url: string;
  submittedUrl: string;
  host: string | null;
  platform: string | null;
  origin: ItemOrigin;
  parentItemId: string | null;
  sourceId: string | null;
  state: ItemState;
  captureCount: number;
  lastCapturedAt: number | null;
  lastError: string | null;
  createdAt: number;
  createdBy: string | null;
  /** Raised by bank matches (matching/match.model.ts `matchPriority`); 0 until something matches. */
  priority: number;
}

export const UPLOAD_FILENAME_MAX = 255;

export function fileItemUrl(sha256Hex: string): string {
  return `file:sha256:${sha256Hex}`;
}
