/** One fetch of an item at one time. Pure types; a capture row is never updated once written. */

export const CAPTURE_STATES = ['ok', 'failed'] as const;
export type CaptureState = (typeof CAPTURE_STATES)[number];

export interface TlsCertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  serialNumber: string;
}

export interface Capture {
  id: string;
  agencyId: string;
  itemId: string;
  state: CaptureState;
  startedAt: number;
  finishedAt: number;
  errorCode: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
  finalUrl: string | null;
  resolvedIp: string | null;
  via: string | null;
  redirects: { url: string; status: number; location: string }[];
  headers: [string, string][];
  tls: TlsCertificateInfo | null;
  timings: Record<string, number>;
  fetcherVersion: string;
  /** sha256 hex of the body blob, of the WARC blob, of the extracted text. */
  bodySha256: string | null;
  bodySize: number | null;
  warcSha256: string | null;
  declaredType: string | null;
  sniffedType: string | null;
  title: string | null;
  /** The language the page declares (`<html lang>`), as given. */
  languageHint: string | null;
  /** The language detected from the extracted text (BCP-47 primary subtag), and CLD3's probability in percent. */
  language: string | null;
  languageConfidence: number | null;
  textSha256: string | null;
  outlinkCount: number;
  childItemCount: number;
}
