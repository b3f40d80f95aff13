/**
 * Verifying the agency's custody chain: every event's hash link and the signed checkpoints, checked
 * by the server on request. A broken chain names the first event that does not verify.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { CustodyVerifyView } from '../api/types';
import { formatTime } from '../format';
import { ErrorBanner, useTitle } from '../ui';

export function CustodyScreen(): ReactNode {
  useTitle('Custody');
  const [result, setResult] = useState<{ view: CustodyVerifyView; at: number } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  // Move to the verdict so it is read out; the button stays one Shift+Tab away.
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const verify = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      setResult({ view: await api.verifyCustody(), at: Date.now() });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const v = result?.view;
  return (
    <section aria-labelledby="custody-title">
      <h1 id="custody-title">Custody</h1>
      <p className="lead">
        Every capture, stored blob, content view and evidence export is an event in your agency’s custody chain; each
        event carries the hash of the one before, and checkpoints sign the chain’s head. Verifying recomputes every
        hash and checks every signature.
      </p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={() => void verify()} disabled={pending}>
          {pending ? 'Verifying…' : 'Verify custody chain'}
        </button>
        <span className="muted small">The check is recorded in the audit log.</span>
      </div>
      <ErrorBanner error={error} title="Could not verify the chain." />
      {v && result ? (
        <div
          ref={resultRef}
          tabIndex={-1}
          className={`panel verdict ${v.ok ? 'verdict-ok' : 'verdict-bad'}`}
          role="status"
          aria-label="Verification result"
        >
          <h2>{v.ok ? 'Custody chain verified' : 'Custody chain broken'}</h2>
          {!v.ok ? (
            <p className="verdict-problem">
              {v.firstBadSeq !== null ? (
                <>
                  First bad event: seq <strong className="mono">{v.firstBadSeq}</strong>.{' '}
                </>
              ) : null}
              {v.problem ?? 'No detail given.'}
            </p>
          ) : null}
          <dl className="facts">
            <dt>Result</dt>
            <dd>
              <span className={`status ${v.ok ? 'status-ok' : 'status-bad'}`}>{v.ok ? 'ok' : 'broken'}</span>
            </dd>
            <dt>Events</dt>
            <dd>{v.events}</dd>
            <dt>Checkpoints</dt>
            <dd>{v.checkpoints}</dd>
            <dt>Head seq</dt>
            <dd className="mono">{v.headSeq ?? '—'}</dd>
            <dt>Checked</dt>
            <dd>{formatTime(result.at)}</dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}
