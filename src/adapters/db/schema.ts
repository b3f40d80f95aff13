/**
 * Table types for Kysely. One interface per table, in the database's own snake_case words;
 * mappers in each repository turn rows into camelCase domain values.
 *
 * Portable conventions (see column-types.ts): ids are UUIDv7 text, times are epoch-millisecond
 * integers, JSON is text (SQLite) or jsonb (PostgreSQL) and always travels as a string here,
 * booleans are 0/1 integers on both databases so one mapper serves both.
 */

export interface AgencyTable {
  agency_id: string;
  name: string;
  kind: string;
  operator: number;
  created_at: number;
}

export interface UserAccountTable {
  user_id: string;
  agency_id: string;
  email: string;
  display_name: string;
  password_hash: string;
  disabled: number;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserRoleTable {
  user_id: string;
  role: string;
}

export interface SessionTable {
  session_id: string;
  user_id: string;
  agency_id: string;
  csrf_token: string;
  client_ip: string | null;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface ApiTokenTable {
  api_token_id: string;
  agency_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface AuditEventTable {
  audit_event_id: string;
  agency_id: string | null;
  user_id: string | null;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  at: number;
  client_ip: string | null;
  request_id: string | null;
  detail: string;
}

export interface BlobTable {
  sha256: string;
  size: number;
  created_at: number;
}

export interface BlobRefTable {
  agency_id: string;
  sha256: string;
  media_type: string | null;
  created_at: number;
  created_by: string | null;
}

export interface JobTable {
  job_id: string;
  name: string;
  payload: string;
  state: string;
  agency_id: string | null;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  idempotency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface RecurringJobTable {
  name: string;
  interval_ms: number;
  payload: string;
  next_run_at: number;
  paused: number;
}

export interface ItemTable {
  item_id: string;
  agency_id: string;
  kind: string;
  url: string;
  submitted_url: string;
  host: string | null;
  platform: string | null;
  origin: string;
  parent_item_id: string | null;
  source_id: string | null;
  state: string;
  capture_count: number;
  last_captured_at: number | null;
  last_error: string | null;
  created_at: number;
  created_by: string | null;
  priority: number;
}

export interface CaptureTable {
  capture_id: string;
  agency_id: string;
  item_id: string;
  state: string;
  started_at: number;
  finished_at: number;
  error_code: string | null;
  error_message: string | null;
  http_status: number | null;
  final_url: string | null;
  resolved_ip: string | null;
  via: string | null;
  redirects: string;
  headers: string;
  tls: string | null;
  timings: string;
  fetcher_version: string;
  body_sha256: string | null;
  body_size: number | null;
  warc_sha256: string | null;
  declared_type: string | null;
  sniffed_type: string | null;
  title: string | null;
  language_hint: string | null;
  language: string | null;
  language_confidence: number | null;
  text_sha256: string | null;
  outlink_count: number;
  child_item_count: number;
}

export interface ScreenshotTable {
  screenshot_id: string;
  agency_id: string;
  capture_id: string;
  sha256: string;
  width: number;
  height: number;
  final_url: string;
  requests: string;
  rendered_at: number;
}

export interface CustodyEventTable {
  custody_event_id: string;
  agency_id: string;
  seq: number;
  at: number;
  kind: string;
  actor: string;
  subject_type: string;
  subject_id: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface CustodyCheckpointTable {
  custody_checkpoint_id: string;
  agency_id: string;
  seq: number;
  head_hash: string;
  at: number;
  instance_key_id: string;
  signature: string;
  tsa_token: string | null;
  tsa_time: number | null;
}

export interface WatchedSourceTable {
  source_id: string;
  agency_id: string;
  kind: string;
  url: string;
  label: string;
  interval_ms: number;
  paused: number;
  next_run_at: number;
  last_run_at: number | null;
  last_status: string | null;
  last_error: string | null;
  consecutive_failures: number;
  items_found: number;
  created_at: number;
  created_by: string | null;
}

export interface WatchedSourceRunTable {
  source_run_id: string;
  source_id: string;
  agency_id: string;
  started_at: number;
  finished_at: number;
  status: string;
  error: string | null;
  seen: number;
  new_items: number;
  seen_urls: string;
}

export interface BankTable {
  bank_id: string;
  agency_id: string;
  name: string;
  kind: string;
  description: string;
  pdq_distance: number;
  vpdq_distance: number;
  simhash_distance: number;
  vpdq_query_match_percent: number;
  vpdq_compared_match_percent: number;
  flood_max_items_per_hour: number;
  enabled: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface BankShareTable {
  bank_id: string;
  agency_id: string;
  created_at: number;
  created_by: string | null;
}

export interface BankEntryTable {
  entry_id: string;
  bank_id: string;
  agency_id: string;
  signal_kind: string;
  value: string;
  value_key: string;
  source: string;
  external_id: string | null;
  importer: string | null;
  added_by: string | null;
  added_at: number;
  labels: string;
  label_outlet: string | null;
  enabled: number;
  disabled_until: number | null;
  quarantined_at: number | null;
  quarantine_reason: string | null;
  updated_at: number;
}

export interface BankChangeTable {
  change_id: string;
  bank_id: string;
  entry_id: string | null;
  op: string;
  at: number;
}

export interface EntryHitTable {
  entry_id: string;
  item_id: string;
  at: number;
}

export interface BankImportTable {
  import_id: string;
  agency_id: string;
  bank_id: string;
  format: string;
  source: string;
  file_sha256: string;
  file_bytes: number;
  checkpoint: string | null;
  added: number;
  duplicate: number;
  removed: number;
  rejected: number;
  skipped: number;
  actor: string;
  created_at: number;
}

export interface FingerprintTable {
  fingerprint_id: string;
  agency_id: string;
  capture_id: string;
  item_id: string;
  kind: string;
  value: string;
  quality: number | null;
  created_at: number;
}

export interface MatchTable {
  match_id: string;
  agency_id: string;
  item_id: string;
  capture_id: string;
  entry_id: string;
  bank_id: string;
  bank_agency_id: string;
  signal_kind: string;
  distance: number;
  suppressed: number;
  dihedral: string | null;
  labels: string;
  provenance: string;
  created_at: number;
  query_match_percent: number | null;
  compared_match_percent: number | null;
}

/** HMA 2.0 bank content: an integer id for one or more bank entries (migration 0007). */
export interface HmaContentTable {
  content_id: number;
  agency_id: string;
  bank_id: string;
  note: string | null;
  metadata: string | null;
  created_at: number;
}

export interface HmaContentEntryTable {
  entry_id: string;
  content_id: number;
}

export interface ReviewCaseTable {
  case_id: string;
  agency_id: string;
  status: string;
  lead_item_id: string;
  priority: number;
  tier: string | null;
  outlet_id: string | null;
  latest_decision_id: string | null;
  item_count: number;
  merged_into: string | null;
  created_at: number;
  updated_at: number;
}

export interface CaseItemTable {
  item_id: string;
  agency_id: string;
  case_id: string;
  joined_at: number;
  reason: string;
}

export interface CaseEventTable {
  case_event_id: string;
  agency_id: string;
  case_id: string;
  at: number;
  actor: string;
  action: string;
  detail: string;
}

export interface ReviewDecisionTable {
  decision_id: string;
  agency_id: string;
  case_id: string;
  verdict: string;
  exempt_purpose: string | null;
  grounds: string;
  tier: string | null;
  reasons: string;
  attribution: string;
  outlet_id: string | null;
  propose_order: number;
  status: string;
  reviewer_id: string;
  created_at: number;
  undo_until: number;
  published_at: number | null;
  approver_id: string | null;
  approval_decision: string | null;
  approval_note: string | null;
  approved_at: number | null;
}

export interface ReviewDecisionItemTable {
  decision_id: string;
  item_id: string;
  agency_id: string;
}

export interface ExposureDayTable {
  user_id: string;
  day: string;
  agency_id: string;
  reveals: number;
  warned_at: number | null;
}

export interface SchemaMigrationTable {
  name: string;
  applied_at: number;
}

export interface OutletTable {
  outlet_id: string;
  name: string;
  name_key: string;
  aliases: string;
  parent_group: string | null;
  ideology: string | null;
  notes: string;
  seed_key: string | null;
  edited_at: number | null;
  archived_at: number | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface OutletChannelTable {
  channel_id: string;
  outlet_id: string;
  kind: string;
  value: string;
  added_at: number;
  added_by: string | null;
}

export interface ProviderTable {
  provider_id: string;
  name: string;
  name_key: string;
  domain_patterns: string;
  contact_email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  webhook_secret_hint: string | null;
  provider_agency_id: string | null;
  accepted_languages: string;
  main_establishment: string | null;
  legal_representative: string | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface ProviderNoticeTable {
  notice_id: string;
  agency_id: string;
  provider_id: string;
  sent_at: number;
  sent_by: string | null;
}

export interface DispatchTable {
  dispatch_id: string;
  agency_id: string;
  provider_id: string;
  recipient_agency_id: string | null;
  channel: string;
  destination: string | null;
  subject_kind: string;
  subject_id: string;
  title: string;
  payload: string;
  attachments: string;
  state: string;
  last_error: string | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  delivered_at: number | null;
  received_at: number | null;
}

export interface DispatchAttemptTable {
  attempt_id: string;
  dispatch_id: string;
  agency_id: string;
  attempt: number;
  at: number;
  status: string;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}

export interface RemovalOrderTable {
  order_id: string;
  agency_id: string;
  provider_id: string;
  reference_number: string;
  status: string;
  annex_i: string;
  emergency: number;
  emergency_reason: string | null;
  case_id: string | null;
  decision_ids: string;
  item_ids: string;
  proposed_by: string;
  proposed_at: number;
  approved_by: string | null;
  approved_at: number | null;
  issued_at: number | null;
  received_at: number | null;
  executed_at: number | null;
  measure: string | null;
  document_sha256: string | null;
  pdf_sha256: string | null;
  signature: string | null;
  signature_key_id: string | null;
  non_disclosure_extensions: number;
  cross_border: number;
  host_authority: string | null;
  host_authority_email: string | null;
  appeal_period_ms: number;
  final_at: number | null;
  seq: number;
  created_at: number;
  updated_at: number;
}

export interface OrderEventTable {
  order_event_id: string;
  order_id: string;
  agency_id: string;
  seq: number;
  type: string;
  at: number;
  actor: string;
  detail: string;
  recorded_at: number;
}

export interface CallbackReceiptTable {
  callback_receipt_id: string;
  provider_id: string;
  delivery_id: string;
  signature: string;
  received_at: number;
}

export interface ReferralTable {
  referral_id: string;
  agency_id: string;
  provider_id: string;
  recipient_agency_id: string | null;
  reference: string;
  reasons: string;
  state: string;
  reminders: number;
  version: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  acknowledged_at: number | null;
  actioned_at: number | null;
  closed_at: number | null;
  close_note: string | null;
}

export interface ReferralItemTable {
  referral_item_id: string;
  referral_id: string;
  agency_id: string;
  item_id: string;
  position: number;
  url: string;
  decision_id: string;
  grounds: string;
  outcome: string | null;
  outcome_reason: string | null;
  action_at: number | null;
  answered_at: number | null;
  answered_by: string | null;
}

export interface ReferralEventTable {
  referral_event_id: string;
  referral_id: string;
  agency_id: string;
  at: number;
  kind: string;
  actor: string;
  detail: string;
}

export interface ComplaintTable {
  complaint_id: string;
  agency_id: string;
  subject_kind: string;
  referral_id: string | null;
  referral_item_id: string | null;
  order_id: string | null;
  moderation_ref: string | null;
  content_url: string | null;
  received_at: number;
  due_at: number;
  text: string;
  state: string;
  reasons: string | null;
  reinstated_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface ComplaintEventTable {
  complaint_event_id: string;
  complaint_id: string;
  agency_id: string;
  at: number;
  kind: string;
  actor: string;
  detail: string;
}

export interface Database {
  agency: AgencyTable;
  user_account: UserAccountTable;
  user_role: UserRoleTable;
  session: SessionTable;
  api_token: ApiTokenTable;
  audit_event: AuditEventTable;
  blob: BlobTable;
  blob_ref: BlobRefTable;
  job: JobTable;
  recurring_job: RecurringJobTable;
  item: ItemTable;
  capture: CaptureTable;
  screenshot: ScreenshotTable;
  custody_event: CustodyEventTable;
  custody_checkpoint: CustodyCheckpointTable;
  watched_source: WatchedSourceTable;
  watched_source_run: WatchedSourceRunTable;
  bank: BankTable;
  bank_share: BankShareTable;
  bank_entry: BankEntryTable;
  bank_change: BankChangeTable;
  entry_hit: EntryHitTable;
  bank_import: BankImportTable;
  fingerprint: FingerprintTable;
  match: MatchTable;
  hma_content: HmaContentTable;
  hma_content_entry: HmaContentEntryTable;
  review_case: ReviewCaseTable;
  case_item: CaseItemTable;
  case_event: CaseEventTable;
  review_decision: ReviewDecisionTable;
  review_decision_item: ReviewDecisionItemTable;
  exposure_day: ExposureDayTable;
  outlet: OutletTable;
  outlet_channel: OutletChannelTable;
  provider: ProviderTable;
  provider_notice: ProviderNoticeTable;
  dispatch: DispatchTable;
  dispatch_attempt: DispatchAttemptTable;
  removal_order: RemovalOrderTable;
  order_event: OrderEventTable;
  callback_receipt: CallbackReceiptTable;
  referral: ReferralTable;
  referral_item: ReferralItemTable;
  referral_event: ReferralEventTable;
  complaint: ComplaintTable;
  complaint_event: ComplaintEventTable;
  schema_migration: SchemaMigrationTable;
}
