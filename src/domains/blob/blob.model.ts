/** Blobs are named by their SHA-256, written in APIs as `sha256:<64 hex>`. */

export const BLOB_HASH_PATTERN = /^sha256:([0-9a-f]{64})$/;

export interface BlobInfo {
  hash: string;
  size: number;
  mediaType: string | null;
  createdAt: number;
}

export function parseBlobHash(s: string): string | null {
  return BLOB_HASH_PATTERN.exec(s)?.[1] ?? null;
}

export function formatBlobHash(hex: string): string {
  return `sha256:${hex}`;
}

export const MEDIA_TYPE_MAX = 255;
