import type { FetchErrorCode } from '../adapters/fetch/safe-fetch.ts';
import type { BulkErrorCode } from '../domains/intake/bulk-list.ts';
import type { UrlErrorCode } from '../domains/intake/url.model.ts';
import type { ExchangeOutcomeCode } from '../domains/exchange/exchange.model.ts';

/**
 * Every error Vigil returns, by stable code. Clients branch on the code; the message is for people.
 * `docs/errors.md` is generated from this table (npm run docs), and a test keeps it current.
 */

export interface ErrorSpec {
  status: number;
  message: string;
}

export const ERROR_CATALOG = {
  VIGIL_VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape.' },
  VIGIL_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the limit.' },
  VIGIL_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has a content type this route does not accept.' },
  VIGIL_NOT_FOUND: { status: 404, message: 'No such resource, or it belongs to another agency.' },
  VIGIL_ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  VIGIL_CONFLICT: { status: 409, message: 'The request conflicts with existing data.' },
  VIGIL_RATE_LIMITED: { status: 429, message: 'Too many requests; wait and try again.' },
  VIGIL_INTERNAL: { status: 500, message: 'Something went wrong on the server; the request id identifies it in the log.' },
  VIGIL_NOT_READY: { status: 503, message: 'The server is not ready to serve requests.' },

  VIGIL_AUTH_REQUIRED: { status: 401, message: 'Log in or send an API token.' },
  VIGIL_AUTH_INVALID_CREDENTIALS: { status: 401, message: 'E-mail address or password is wrong.' },
  VIGIL_AUTH_LOCKED: { status: 423, message: 'The account is locked after repeated failed logins; try again later.' },
  VIGIL_AUTH_DISABLED: { status: 403, message: 'The account is disabled.' },
  VIGIL_AUTH_TOKEN_INVALID: { status: 401, message: 'The API token is unknown, expired or revoked.' },
  VIGIL_CSRF_INVALID: { status: 403, message: 'The x-csrf-token header is missing or does not match the session.' },
  VIGIL_FORBIDDEN: { status: 403, message: 'Your roles do not allow this action.' },

  VIGIL_AGENCY_NAME_TAKEN: { status: 409, message: 'An agency with that name already exists.' },
  VIGIL_USER_EMAIL_TAKEN: { status: 409, message: 'A user with that e-mail address already exists.' },
  VIGIL_USER_PASSWORD_WEAK: { status: 400, message: 'The password does not meet the password policy.' },
  VIGIL_USER_SELF_LOCKOUT: { status: 409, message: 'You cannot remove your own admin role or disable yourself.' },
  VIGIL_TOKEN_SCOPE_INVALID: { status: 400, message: 'A token scope is unknown or exceeds your own permissions.' },
  VIGIL_TOKEN_EXPIRY_INVALID: { status: 400, message: 'The token lifetime is outside the allowed range.' },

  VIGIL_JOB_NOT_RETRYABLE: { status: 409, message: 'Only dead or cancelled jobs can be retried.' },

  VIGIL_URL_INVALID: { status: 400, message: 'The URL is malformed, too long, carries credentials or uses a scheme other than http or https.' },
  VIGIL_ITEM_DUPLICATE: { status: 409, message: 'The agency already has an item with this URL.' },
  VIGIL_BULK_INVALID: { status: 400, message: 'The bulk list cannot be read (format, size or header).' },
  VIGIL_UPLOAD_INVALID: { status: 400, message: 'Send one file as multipart/form-data in a field named file.' },
  VIGIL_SOURCE_INVALID: { status: 400, message: 'The watched source is not valid.' },
  VIGIL_CUSTODY_BROKEN: { status: 409, message: 'The custody chain does not verify.' },
  VIGIL_EVIDENCE_UNAVAILABLE: { status: 409, message: 'The item has no successful capture to package.' },

  VIGIL_SIGNAL_INVALID: { status: 400, message: 'The signal is malformed: wrong length, not hexadecimal, an unknown kind, a kind prefix other than the entry\'s, or an unreadable vPDQ value.' },
  VIGIL_ENTRY_INVALID: { status: 400, message: 'A bank entry\'s labels or provenance are not valid (unknown label, tier or field, too long, control characters).' },
  VIGIL_ENTRY_UPDATE_INVALID: { status: 400, message: 'The entry change is not valid: contradictory fields, or a disable-until time not in the future or more than five years ahead.' },
  VIGIL_ENTRY_NOT_QUARANTINED: { status: 409, message: 'The entry is not quarantined, so there is nothing to release.' },
  VIGIL_BANK_ENTRY_DUPLICATE: { status: 409, message: 'The bank already holds this signal.' },
  VIGIL_BANK_INVALID: { status: 400, message: 'The bank\'s name, thresholds or flood limit are outside the allowed range.' },
  VIGIL_BANK_NAME_TAKEN: { status: 409, message: 'Your agency already has a bank with that name.' },
  VIGIL_BANK_READ_ONLY: { status: 403, message: 'The bank is shared with your agency read-only; only its owner can change it.' },
  VIGIL_BANK_SHARE_INVALID: { status: 400, message: 'A bank cannot be shared with the agency that owns it.' },
  VIGIL_EXCHANGE_INVALID: { status: 400, message: 'The hash-list file cannot be read in the named format (binary, no usable header, not JSON, nested too deep, a bad checkpoint or option).' },
  VIGIL_EXCHANGE_TOO_LARGE: { status: 413, message: 'The hash-list file has more bytes or rows than the exchange limits allow.' },

  VIGIL_OUTLET_INVALID: { status: 400, message: 'The outlet\'s name, aliases, parent group, ideology or notes are not valid (empty, too long, too many, control characters, unknown ideology).' },
  VIGIL_OUTLET_NAME_TAKEN: { status: 409, message: 'The registry already has an outlet with that name (compared without case, accents or punctuation).' },
  VIGIL_OUTLET_CHANNEL_INVALID: { status: 400, message: 'The channel is not valid for its kind (unknown kind, malformed domain, onion address or account, too long), or the outlet has too many channels.' },
  VIGIL_OUTLET_CHANNEL_TAKEN: { status: 409, message: 'The channel is already a known channel of an outlet; a channel belongs to one outlet.' },
  VIGIL_OUTLET_READ_ONLY: { status: 403, message: 'Provider agencies read the outlet registry; only authorities and flaggers change it.' },

  VIGIL_BLOB_TOO_LARGE: { status: 413, message: 'The blob is larger than the byte limit.' },
  VIGIL_BLOB_EMPTY: { status: 400, message: 'The blob is empty.' },
  VIGIL_HASH_INVALID: { status: 400, message: 'The hash is not of the form sha256:<64 hex digits>.' },

  VIGIL_IMAGE_EMPTY: { status: 400, message: 'The image is empty (0 bytes).' },
  VIGIL_IMAGE_TOO_LARGE: { status: 413, message: 'The image is larger than MAX_IMAGE_BYTES or MAX_IMAGE_PIXELS.' },
  VIGIL_IMAGE_UNSUPPORTED_FORMAT: { status: 400, message: 'The image format is not one PDQ hashing accepts (jpeg, png, webp, gif, tiff, heif, avif, jp2).' },
  VIGIL_IMAGE_UNDECODABLE: { status: 400, message: 'The image is corrupt, truncated or not an image.' },
  VIGIL_VIDEO_UNDECODABLE: { status: 400, message: 'The video is corrupt, truncated or unreadable.' },
  VIGIL_VIDEO_TOO_LARGE: { status: 413, message: 'The video is larger than VIDEO_MAX_BYTES, or a frame larger than VIDEO_MAX_PIXELS_PER_FRAME.' },
  VIGIL_VIDEO_TOO_LONG: { status: 413, message: 'The video is longer than VIDEO_MAX_DURATION_S or has more frames to hash than VIDEO_MAX_FRAMES_HASHED.' },
  VIGIL_VIDEO_EMPTY: { status: 400, message: 'The video is empty, or no frame could be decoded.' },
  VIGIL_VIDEO_NO_VIDEO_STREAM: { status: 400, message: 'The file has no video stream (audio only, a still image, or only cover art).' },
  VIGIL_VIDEO_UNSUPPORTED_FORMAT: { status: 400, message: 'The container is not one vPDQ hashing accepts (e.g. an HLS playlist).' },
  VIGIL_VIDEO_TIMEOUT: { status: 422, message: 'Decoding the video ran past VIDEO_DECODE_TIMEOUT_MS and was stopped.' },
  VIGIL_FFMPEG_MISSING: { status: 503, message: 'ffmpeg or ffprobe cannot be run on this server, so videos cannot be hashed.' },

  VIGIL_HMA_BAD_REQUEST: { status: 400, message: 'The HMA request is missing a part or has one HMA refuses (no file, two files, a list not of two hashes, a bad note, metadata or disable_until_ts).' },
  VIGIL_HMA_SIGNAL_TYPE_UNKNOWN: { status: 400, message: 'The signal type is not one this server speaks (pdq, video_md5, vpdq), or not one of the content type\'s.' },
  VIGIL_HMA_SIGNAL_INVALID: { status: 400, message: 'The signal is malformed for its type (pdq: 64 hex digits of an image with quality 50 or more; video_md5: 32 hex digits; vpdq: HMA\'s JSON list of frames).' },
  VIGIL_HMA_CONTENT_TYPE_UNKNOWN: { status: 400, message: 'The content type is neither photo nor video (the multipart field name, the content_type parameter, or the fetched media type).' },
  VIGIL_HMA_BANK_NAME_INVALID: { status: 400, message: 'HMA bank names match ^[A-Z_][A-Z0-9_]*$ and are at most 100 characters.' },
  VIGIL_HMA_RATIO_UNSUPPORTED: { status: 400, message: 'A bank is on or off in Vigil: enabled_ratio must be 0.0 or 1.0.' },
  VIGIL_HMA_BANK_NOT_FOUND: { status: 404, message: 'Your agency sees no bank of that HMA name.' },
  VIGIL_HMA_BANK_EXISTS: { status: 403, message: 'A bank your agency sees already has that HMA name.' },
  VIGIL_HMA_BANK_DELETE_REFUSED: { status: 409, message: 'Vigil never deletes a bank; disable it with PUT /c/bank/NAME {"enabled": false}.' },
  VIGIL_HMA_CONTENT_NOT_FOUND: { status: 404, message: 'The bank holds no content of that id.' },
  VIGIL_HMA_FETCH_FAILED: { status: 400, message: 'The URL could not be fetched (refused address, DNS, TLS, timeout, an error status); details.fetchCode says which.' },
  VIGIL_HMA_CONTENT_TOO_LARGE: { status: 413, message: 'The fetched content is larger than HMA_FETCH_MAX_BYTES.' },

  VIGIL_REVIEW_GROUNDS_REQUIRED: { status: 400, message: 'A terrorist_content verdict needs at least one TCO Art. 2(7) ground (a)–(e).' },
  VIGIL_REVIEW_REASONS_REQUIRED: { status: 400, message: 'A decision needs its reasons in free text.' },
  VIGIL_REVIEW_EXEMPT_PURPOSE_REQUIRED: { status: 400, message: 'An exempt verdict needs its TCO Art. 1(3) purpose.' },
  VIGIL_REVIEW_UNDO_CLOSED: { status: 409, message: 'The undo window of the decision has closed; make a new decision instead.' },
  VIGIL_REVIEW_OWN_DECISION: { status: 403, message: 'Four eyes: a removal order is approved or rejected by someone other than its reviewer.' },
  VIGIL_REVIEW_NOT_AWAITING_APPROVAL: { status: 409, message: 'The decision is not awaiting approval.' },
  VIGIL_REVIEW_ORDER_NOT_AUTHORITY: { status: 403, message: 'Only an agency of kind authority can propose a removal order.' },

  VIGIL_PROVIDER_INVALID: { status: 400, message: 'The provider\'s name, domain patterns, contact point, languages, Member State, legal representative or portal agency are not valid.' },
  VIGIL_PROVIDER_NAME_TAKEN: { status: 409, message: 'The registry already has a provider with that name (compared without case, accents or punctuation).' },
  VIGIL_PROVIDER_PATTERN_TAKEN: { status: 409, message: 'A domain pattern already belongs to another provider; a pattern names one provider.' },
  VIGIL_PROVIDER_READ_ONLY: { status: 403, message: 'Provider agencies read the provider registry; only authorities and flaggers change it.' },
  VIGIL_PROVIDER_NO_CONTACT: { status: 409, message: 'The provider has no contact point Vigil can send to (webhook URL, e-mail with VIGIL_SMTP_URL set, or portal agency).' },
  VIGIL_PROVIDER_NOTICE_NOT_AUTHORITY: { status: 403, message: 'Only an agency of kind authority issues removal orders, so only it sends the first-order notice.' },
  VIGIL_PROVIDER_NOTICE_SENT: { status: 409, message: 'Your agency already sent this provider its first-order notice.' },

  VIGIL_ORDER_NOT_AUTHORITY: { status: 403, message: 'Only an agency of kind authority issues removal orders (TCO Art. 3).' },
  VIGIL_ORDER_ANNEX_INCOMPLETE: { status: 400, message: 'Annex I is not complete; details.problems lists each field (section A–G) and what is wrong with it.' },
  VIGIL_ORDER_ITEMS_NOT_DECIDED: { status: 409, message: 'Each item of an order must be a URL item of your agency with a current terrorist_content decision (published or approved); details.items says which is not.' },
  VIGIL_ORDER_NO_PROVIDER: { status: 409, message: 'No provider in the registry hosts an item of the order; add the provider or its domain pattern first.' },
  VIGIL_ORDER_MIXED_PROVIDERS: { status: 400, message: 'An order goes to one provider; the items resolve to several (details.providers). Propose one order per provider.' },
  VIGIL_ORDER_REFERENCE_TAKEN: { status: 409, message: 'Your agency already has an order with that reference number.' },
  VIGIL_ORDER_NOT_PROPOSED: { status: 409, message: 'The order is not awaiting approval (already issued or rejected, or another approver answered first).' },
  VIGIL_ORDER_OWN_APPROVAL: { status: 403, message: 'Four eyes: a removal order is approved or rejected by someone other than the person who proposed it.' },
  VIGIL_ORDER_COPY_UNDELIVERABLE: {
    status: 409,
    message: 'TCO Art. 4(1): a cross-border order is copied by e-mail to the competent authority of the host State when it is issued, and this instance has no VIGIL_SMTP_URL; set it, then approve again.',
  },
  VIGIL_ORDER_FIRST_NOTICE_PENDING: { status: 409, message: 'TCO Art. 3(2): the first order of your agency to this provider waits until 12 hours after the notice of procedures and deadlines, unless it is an emergency with a reason.' },
  VIGIL_ORDER_TRANSITION_REFUSED: { status: 409, message: 'The order cannot take this step in its current state (details.reason says why, e.g. it was withdrawn or voided, or already executed).' },
  VIGIL_ORDER_ANSWER_INVALID: { status: 400, message: 'The Annex II or Annex III answer is not complete; details.problems lists each field.' },
  VIGIL_CALLBACK_SIGNATURE_INVALID: { status: 401, message: 'The callback is not signed with the provider\'s webhook secret: a missing or malformed x-vigil-signature, x-vigil-timestamp or x-vigil-delivery header, a timestamp outside the tolerance window, or a signature that does not match.' },
  VIGIL_CALLBACK_REPLAYED: { status: 409, message: 'A callback with this delivery id was already accepted from this provider; a replay changes nothing.' },

  VIGIL_REFERRAL_NOT_ISSUER: { status: 403, message: 'Provider agencies receive referrals; only authorities and flaggers send them.' },
  VIGIL_REFERRAL_INVALID: { status: 400, message: 'The referral is not valid: 1 to 100 items, reasons and reference within their limits.' },
  VIGIL_REFERRAL_ITEMS_INVALID: { status: 400, message: 'Not every item can be referred: each must be a URL item of your agency whose newest review decision found terrorist content (past its undo window); details.items says which and why.' },
  VIGIL_REFERRAL_MIXED_PROVIDERS: { status: 400, message: 'A referral goes to one provider; the items resolve to several, or to none (details.items). Make one referral per provider, or add the provider first.' },
  VIGIL_REFERRAL_REFERENCE_TAKEN: { status: 409, message: 'Your agency already has a referral with that reference.' },
  VIGIL_REFERRAL_INVALID_TRANSITION: { status: 409, message: 'The referral cannot take this step in its current state (e.g. a second acknowledgement, an answer to a closed referral, editing a sent one); the message says why.' },
  VIGIL_REFERRAL_ITEM_ANSWERED: { status: 409, message: 'The referred item already has an outcome; an outcome is given once.' },
  VIGIL_REFERRAL_REASON_REQUIRED: { status: 400, message: 'Declining a referred item needs a reason the issuer can read.' },
  VIGIL_REFERRAL_ANSWER_INVALID: { status: 400, message: 'The answer is not valid: an action time in the future or before the referral was sent, an action time on a declined item, or a reason over its limit.' },
  VIGIL_COMPLAINT_NOT_PROVIDER: { status: 403, message: 'Complaints (TCO Art. 10) are kept by the provider agency that removed the content.' },
  VIGIL_COMPLAINT_INVALID: { status: 400, message: 'The complaint is not valid: its text within its limit, and a receipt time that is not in the future.' },
  VIGIL_COMPLAINT_SUBJECT_INVALID: { status: 400, message: 'The complaint must be about a removal of yours: a referred item your agency removed or disabled, a removal order executed by your agency, or a moderation action of your own.' },
  VIGIL_COMPLAINT_DECIDED: { status: 409, message: 'The complaint already has its outcome.' },
  VIGIL_COMPLAINT_DECISION_INVALID: { status: 400, message: 'The outcome is not valid: reasons are required, and a reinstatement time only for reinstated (not in the future, not before the complaint was received).' },
  VIGIL_SOR_INVALID: { status: 400, message: 'A statement of reasons does not meet the DSA Transparency Database rules; details.problems lists each statement, field and rule. Nothing was exported.' },
  VIGIL_SOR_ACTION_INVALID: { status: 400, message: 'A chosen action cannot have a statement of reasons: it is not a removal or disabling by your agency (details.actions).' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;


/**
 * Codes that are not HTTP answers but outcomes recorded on data: a failed capture's `errorCode`, a
 * bulk list's per-line `code`. Typed over the adapters' own code unions, so a new code cannot go
 * undocumented.
 */
export const OUTCOME_CODES: Record<FetchErrorCode | BulkErrorCode | UrlErrorCode | ExchangeOutcomeCode | 'VIGIL_ITEM_DUPLICATE', string> = {
  VIGIL_FETCH_FORBIDDEN_ADDRESS: 'The host is, resolves to, or redirects to a private, loopback, link-local, multicast or reserved address.',
  VIGIL_FETCH_BAD_URL: 'The URL cannot be fetched as given (malformed, credentials, zone id).',
  VIGIL_FETCH_UNSUPPORTED_SCHEME: 'Only http and https are fetched.',
  VIGIL_FETCH_TOO_MANY_REDIRECTS: 'More redirects than FETCH_MAX_REDIRECTS, or a loop.',
  VIGIL_FETCH_TOO_LARGE: 'The body is larger than FETCH_MAX_BYTES.',
  VIGIL_FETCH_DECOMPRESSION_BOMB: 'The decoded body passed FETCH_MAX_DECOMPRESSED_BYTES or the compression-ratio limit.',
  VIGIL_FETCH_TIMEOUT: 'The server was too slow: total time or time without a byte.',
  VIGIL_FETCH_TLS: 'The TLS certificate was refused (expired, self-signed, wrong host) or the handshake failed.',
  VIGIL_FETCH_DNS: 'The host name does not resolve.',
  VIGIL_FETCH_CONNECTION: 'The connection was refused, reset or closed early, or the server answered with an error.',
  VIGIL_FETCH_ONION_NEEDS_PROXY: 'A .onion URL needs VIGIL_SOCKS_PROXY.',
  VIGIL_FETCH_PROXY: 'The SOCKS5 proxy could not be reached or could not reach the target.',
  VIGIL_BULK_ROW_INVALID: 'The line or row cannot be read (broken CSV quoting, no url value, not a string).',
  VIGIL_BULK_LINE_TOO_LONG: 'The line is longer than BULK_MAX_LINE_LENGTH.',
  VIGIL_BULK_TOO_MANY_LINES: 'The list has more than BULK_MAX_LINES entries; the rest was not read.',
  VIGIL_URL_INVALID: 'The URL is malformed.',
  VIGIL_URL_SCHEME_UNSUPPORTED: 'Only http and https URLs are taken in.',
  VIGIL_URL_TOO_LONG: 'The URL is longer than URL_MAX_LENGTH.',
  VIGIL_URL_CREDENTIALS: 'URLs with a user name or password are refused.',
  VIGIL_ITEM_DUPLICATE: 'The agency already has this URL, or it appears earlier in the same list.',
  VIGIL_EXCHANGE_ROW_INVALID: 'The hash-list row cannot be read (broken CSV quoting, wrong field count, a TCAP record or page of the wrong shape).',
  VIGIL_EXCHANGE_LINE_TOO_LONG: 'The hash-list line is longer than EXCHANGE_MAX_LINE_LENGTH.',
  VIGIL_EXCHANGE_UNSUPPORTED: 'Skipped: the row is a signal type or TCAP algorithm Vigil does not keep.',
  VIGIL_EXCHANGE_OPINION_MISMATCH: 'Skipped: a te-csv row whose category is negative in a positive bank, or positive in a negative one.',
  VIGIL_EXCHANGE_TOMBSTONE_UNKNOWN: 'Skipped: a tombstone (TCAP deleted: true) for a signal the bank does not hold.',
  VIGIL_EXCHANGE_ALREADY_REMOVED: 'Skipped: a tombstone for an entry that is already disabled.',
};
