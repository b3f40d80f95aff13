/**
 * Captured media as it is shown to people: blurred and greyscale until they ask, one item at a time.
 *
 * A `Media` figure goes through these stages:
 * - `unloaded`: nothing fetched. Fetching captured bytes is itself an audited content view, so
 *   screens where merely opening the page must not cause one (the item page) start here and offer
 *   "Reveal blurred preview";
 * - `blurred`: the bytes are loaded and shown through `filter: blur(24px) grayscale(1)`, enough to
 *   see the layout and decide whether to look (queue and case screens start here);
 * - `clear`: after one click on "Reveal", which calls `POST /items/:itemId/reveal` first. The server
 *   audits that as `content.reveal` and counts it in the reviewer's exposure for the day; only this
 *   one figure is un-blurred. "Blur again" puts the filter back without a server call.
 *
 * Video renders paused and muted, never autoplaying. The exposure count from each reveal is
 * published to every `ExposureCounter` on the page, and a warning shows once it passes the limit.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { api, type ContentPart } from './api/client';
import type { ExposureView, ReviewApi } from './api/review';
import { useReviewApi } from './api/review';
import { ErrorBanner } from './ui';

export type MediaKind = 'image' | 'video';
export type MediaStage = 'unloaded' | 'loading' | 'blurred' | 'revealing' | 'clear';

/** The media kind a captured type can be shown as, or null when it is not an image or a video. */
export function mediaKindOf(contentType: string | null | undefined): MediaKind | null {
  const t = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (t.startsWith('image/') && t !== 'image/svg+xml') return 'image';
  if (t.startsWith('video/')) return 'video';
  return null;
}

type MyExposure = ExposureView['me'];

// One value for the whole page, so a reveal anywhere updates the counter in the header.
let exposure: MyExposure | null = null;
const exposureListeners = new Set<() => void>();

function publishExposure(next: MyExposure): void {
  exposure = next;
  for (const l of exposureListeners) l();
}

function subscribeExposure(listener: () => void): () => void {
  exposureListeners.add(listener);
  return () => exposureListeners.delete(listener);
}

// Where an ExposureCounter is on the page it carries the over-limit warning; figures then need not repeat it.
let countersMounted = 0;

function setCounterMounted(delta: 1 | -1): void {
  countersMounted += delta;
  for (const l of exposureListeners) l();
}

/** The signed-in reviewer's exposure today: loaded once per mount, then updated by every reveal. */
export function useExposure(review: ReviewApi): { me: MyExposure | null; reviewers: ExposureView['reviewers']; error: unknown } {
  const me = useSyncExternalStore(subscribeExposure, () => exposure);
  const [reviewers, setReviewers] = useState<ExposureView['reviewers']>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    review.exposure().then(
      (e) => {
        if (!live) return;
        publishExposure(e.me);
        setReviewers(e.reviewers);
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [review]);
  return { me, reviewers, error };
}

function OverLimitWarning({ me }: { me: MyExposure }): ReactNode {
  if (!me.overLimit) return null;
  return (
    <div className="alert alert-warn exposure-warning" role="alert">
      <strong>
        You have revealed {me.today} items today, past your daily limit of {me.dailyLimit}.
      </strong>
      <span>Consider stopping for today or switching to work without media. Your agency’s administrators can see this count.</span>
    </div>
  );
}

/** "Exposure today: N of LIMIT", with the over-limit warning beneath it when it applies. */
export function ExposureCounter(): ReactNode {
  const review = useReviewApi();
  const { me, reviewers, error } = useExposure(review);
  const over = reviewers?.filter((r) => r.overLimit) ?? [];
  useEffect(() => {
    setCounterMounted(1);
    return () => setCounterMounted(-1);
  }, []);
  return (
    <div className="exposure">
      <p className={`exposure-count${me?.overLimit ? ' exposure-over' : ''}`} role="status" aria-label="Exposure today">
        {me ? `Exposure today: ${me.today} of ${me.dailyLimit}` : error ? 'Exposure today: unavailable' : 'Exposure today: …'}
      </p>
      {me ? <OverLimitWarning me={me} /> : null}
      {over.length > 0 ? (
        <p className="alert alert-warn" role="status">
          Past their daily limit today: {over.map((r) => `${r.name} (${r.today})`).join(', ')}.
        </p>
      ) : null}
    </div>
  );
}

export interface MediaProps {
  /** The item whose reveal is audited and counted. */
  itemId: string;
  captureId: string;
  /** Which captured part holds the media: the body for uploaded files, a screenshot id for pages. */
  part: ContentPart;
  kind: MediaKind;
  /** Text alternative and the figure's caption start. */
  label: string;
  /** Caption text after the label (sizes, hashes, times). */
  caption?: ReactNode;
  width?: number;
  height?: number;
  /** Load the blurred preview at once (a content view) instead of waiting for a click. */
  autoLoad?: boolean;
  canRead: boolean;
  /** Each change asks for a reveal from outside, e.g. the queue's `r` key. */
  revealRequest?: number;
  /** Called after each server-recorded view (load or reveal), e.g. to refresh custody events. */
  onViewed?: () => void;
  compact?: boolean;
  className?: string;
}

export function Media({
  itemId,
  captureId,
  part,
  kind,
  label,
  caption,
  width,
  height,
  autoLoad = false,
  canRead,
  revealRequest,
  onViewed,
  compact = false,
  className = '',
}: MediaProps): ReactNode {
  const review = useReviewApi();
  const [stage, setStage] = useState<MediaStage>('unloaded');
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [seen, setSeen] = useState<MyExposure | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const counterOnPage = useSyncExternalStore(subscribeExposure, () => countersMounted > 0);
  const onViewedRef = useRef(onViewed);
  onViewedRef.current = onViewed;
  const srcRef = useRef<string | null>(null);

  useEffect(
    () => () => {
      if (srcRef.current) URL.revokeObjectURL(srcRef.current);
    },
    [],
  );

  const load = useCallback(async (): Promise<boolean> => {
    setStage('loading');
    setError(null);
    try {
      const d = await api.captureContent(captureId, part);
      if (srcRef.current) URL.revokeObjectURL(srcRef.current);
      srcRef.current = URL.createObjectURL(d.blob);
      setSrc(srcRef.current);
      setStage('blurred');
      onViewedRef.current?.();
      return true;
    } catch (err) {
      setError(err);
      setStage('unloaded');
      return false;
    }
  }, [captureId, part]);

  const reveal = useCallback(async (): Promise<void> => {
    if (!srcRef.current && !(await load())) return;
    setStage('revealing');
    setError(null);
    try {
      const r = await review.reveal(itemId);
      const me = { today: r.exposureToday, dailyLimit: r.dailyLimit, overLimit: r.overLimit };
      publishExposure(me);
      setSeen(me);
      setStage('clear');
      onViewedRef.current?.();
    } catch (err) {
      setError(err);
      setStage('blurred');
    }
  }, [itemId, load, review]);

  useEffect(() => {
    if (autoLoad && canRead) void load();
  }, [autoLoad, canRead, load]);

  const firstRequest = useRef(revealRequest);
  useEffect(() => {
    if (revealRequest === undefined || revealRequest === firstRequest.current || !canRead) return;
    firstRequest.current = revealRequest;
    void reveal();
  }, [revealRequest, canRead, reveal]);

  // Belt and braces for video: whatever the browser defaults, it starts silent and still.
  useEffect(() => {
    const v = videoRef.current;
    if (!v) return;
    v.muted = true;
    v.pause();
  }, [src]);

  const captionId = `media-${itemId}-${captureId}-${part}`;
  const blurred = stage !== 'clear';
  return (
    <figure
      className={`media${compact ? ' media-compact' : ''} ${className}`}
      aria-labelledby={captionId}
      data-media-stage={stage}
      data-item-id={itemId}
    >
      <div className={`media-frame ${blurred ? 'media-blur' : 'media-clear'}`}>
        {src && kind === 'image' ? <img src={src} width={width} height={height} alt={label} /> : null}
        {src && kind === 'video' ? (
          <video ref={videoRef} src={src} controls muted playsInline preload="metadata" aria-label={label} />
        ) : null}
        {!src ? (
          <div className="media-placeholder">
            {stage === 'loading' ? 'Loading…' : canRead ? (compact ? 'Blurred' : 'Not loaded') : 'You cannot view captured content'}
          </div>
        ) : null}
      </div>
      <figcaption id={captionId}>
        {compact ? <span className="visually-hidden">{label}</span> : <span>{label}{caption ? <>: {caption}</> : null}</span>}
        {canRead ? (
          <span className="media-actions">
            {stage === 'unloaded' || stage === 'loading' ? (
              autoLoad && !error ? null : (
                <button type="button" className="button button-small" disabled={stage === 'loading'} onClick={() => void load()}>
                  {autoLoad ? 'Load blurred preview again' : 'Reveal blurred preview'}
                </button>
              )
            ) : stage === 'clear' ? (
              <button type="button" className="button button-small" onClick={() => setStage('blurred')}>
                Blur again
              </button>
            ) : (
              <button
                type="button"
                className="button button-small"
                disabled={stage === 'revealing'}
                aria-label={`Reveal: show clearly${compact ? ` ${label}` : ''}`}
                onClick={() => void reveal()}
              >
                Reveal
              </button>
            )}
          </span>
        ) : null}
      </figcaption>
      {seen && !compact ? (
        <p className="media-exposure small muted">
          Revealed and recorded in the audit log. Exposure today: {seen.today} of {seen.dailyLimit}
        </p>
      ) : null}
      {seen && !counterOnPage ? <OverLimitWarning me={seen} /> : null}
      <ErrorBanner error={error} title={stage === 'blurred' ? 'Could not reveal.' : 'Could not load the media.'} />
    </figure>
  );
}
