/**
 * Taking items in: one URL, a bulk list (every line gets an outcome, downloadable as CSV), or one
 * file. The server captures what it takes in; nothing submitted here is opened in the browser.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { BulkLine, BulkReport, ItemView } from '../api/types';
import { LineOutcomeBadge } from '../badges';
import { saveBlob, toCsv } from '../download';
import { formatBytes } from '../format';
import { ErrorBanner, ItemStateBadge, useTitle } from '../ui';

/** Non-accepted lines listed on the page; the CSV report always has every line. */
const BULK_TABLE_MAX_ROWS = 1000;
/** Accepted by the bulk route; the content type sent follows the file name (see `bulkContentType`). */
const BULK_ACCEPT = '.txt,.csv,.json,.jsonl,text/plain,text/csv,application/json';

export function IntakeScreen(): ReactNode {
  useTitle('Intake');
  return (
    <section aria-labelledby="intake-title">
      <h1 id="intake-title">Intake</h1>
      <p className="lead">
        The server fetches and preserves what you submit; nothing is opened in your browser. A URL your agency already
        has is reported as already known and not taken in twice.
      </p>
      <SubmitUrlForm />
      <BulkListForm />
      <UploadFileForm />
    </section>
  );
}

/** What the server said about one submission: new, or an item the agency already had. */
function SubmissionResult({ result, what }: { result: { item: ItemView; created: boolean }; what: 'URL' | 'file' }): ReactNode {
  const { item, created } = result;
  return (
    <div className={`alert ${created ? 'alert-ok' : 'alert-info'}`} role="status">
      <strong>{created ? 'Accepted' : 'Already known'}</strong>
      <span>
        {created ? `the ${what} is queued for capture:` : `your agency already has this ${what}:`}{' '}
        <code className="break">{item.kind === 'file' ? item.submittedUrl : item.url}</code>
      </span>
      {created ? null : (
        <span>
          <ItemStateBadge state={item.state} /> {item.captureCount} capture{item.captureCount === 1 ? '' : 's'}
        </span>
      )}
      <Link to={`/items/${item.id}`}>Open item</Link>
    </div>
  );
}

function SubmitUrlForm(): ReactNode {
  const [url, setUrl] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{ item: ItemView; created: boolean } | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.submitUrl(url.trim()));
      setUrl('');
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
      // Ready for the next URL: analysts submit them one after another.
      inputRef.current?.focus();
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="intake-url-title">
      <h2 id="intake-url-title">Submit a URL</h2>
      <ErrorBanner error={error} title="The URL was not taken in." />
      {result ? <SubmissionResult result={result} what="URL" /> : null}
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor="intake-url">URL</label>
          <input
            id="intake-url"
            ref={inputRef}
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            required
            maxLength={8192}
            placeholder="https://…"
            aria-describedby="intake-url-hint"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <span id="intake-url-hint" className="hint">
            A bare domain is read as https. Tracking parameters are removed before the duplicate check.
          </span>
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          Submit URL
        </button>
      </div>
    </form>
  );
}

function BulkListForm(): ReactNode {
  const [file, setFile] = useState<File | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<{ filename: string; report: BulkReport } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // A long list takes a while; when its report arrives, move there so it is read out first.
    if (report) resultRef.current?.focus();
  }, [report]);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setPending(true);
    setError(null);
    setReport(null);
    try {
      const r = await api.submitBulk(file);
      setReport({ filename: file.name, report: r });
      formRef.current?.reset();
      setFile(null);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form ref={formRef} className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="intake-bulk-title">
      <h2 id="intake-bulk-title">Bulk list</h2>
      <ErrorBanner error={error} title="The list was not taken in." />
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor="intake-bulk-file">List file</label>
          <input
            id="intake-bulk-file"
            type="file"
            accept={BULK_ACCEPT}
            required
            aria-describedby="intake-bulk-hint"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          <span id="intake-bulk-hint" className="hint">
            Text (one URL a line), CSV with a <code>url</code> column, a JSON array or JSON lines. Every line gets an
            outcome; a bad line never stops the rest.
          </span>
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Uploading…' : 'Upload list'}
        </button>
      </div>
      {report ? <BulkResult filename={report.filename} report={report.report} headingRef={resultRef} /> : null}
    </form>
  );
}

function reportName(filename: string): string {
  const base = filename.replace(/\.[^.]*$/, '') || 'list';
  return `${base}-intake-report.csv`;
}

function downloadReport(filename: string, report: BulkReport): void {
  const csv = toCsv(
    ['line', 'outcome', 'input', 'url', 'item_id', 'code', 'reason'],
    report.lines.map((l) => [l.line, l.outcome, l.input, l.url, l.itemId, l.code, l.reason]),
  );
  saveBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), reportName(filename));
}

function BulkResult({
  filename,
  report,
  headingRef,
}: {
  filename: string;
  report: BulkReport;
  headingRef: RefObject<HTMLHeadingElement | null>;
}): ReactNode {
  const problems = report.lines.filter((l) => l.outcome !== 'accepted');
  const shown = problems.slice(0, BULK_TABLE_MAX_ROWS);
  return (
    <section className="subform" aria-labelledby="intake-bulk-result">
      <h3 id="intake-bulk-result" ref={headingRef} tabIndex={-1}>
        Result for <span className="mono">{filename}</span>
      </h3>
      <dl className="counts" aria-label="Outcomes">
        <BulkCount label="accepted" value={report.accepted} />
        <BulkCount label="duplicate" value={report.duplicate} />
        <BulkCount label="rejected" value={report.rejected} />
      </dl>
      <div className="button-row">
        <button type="button" className="button" onClick={() => downloadReport(filename, report)}>
          Download report (CSV)
        </button>
        {report.accepted > 0 ? <Link to="/items?origin=bulk">Items taken in from lists</Link> : null}
      </div>
      {problems.length > 0 ? (
        <>
          <h4 className="table-title">Lines not taken in</h4>
          <div className="table-wrap">
            <table className="data">
              <caption className="visually-hidden">Lines of {filename} that were not taken in</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Input</th>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((l) => (
                  <BulkRow key={l.line} line={l} />
                ))}
              </tbody>
            </table>
          </div>
          {problems.length > shown.length ? (
            <p className="muted">
              The first {shown.length} of {problems.length} lines are shown; the CSV report has them all.
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted">Every line was taken in.</p>
      )}
    </section>
  );
}

function BulkCount({ label, value }: { label: string; value: number }): ReactNode {
  return (
    <div className={`count count-static count-${label}`}>
      <dt className="count-label">{label}</dt>
      <dd className="count-value">{value}</dd>
    </div>
  );
}

function BulkRow({ line }: { line: BulkLine }): ReactNode {
  return (
    <tr>
      <td className="num">{line.line}</td>
      <td>
        <LineOutcomeBadge outcome={line.outcome} />
      </td>
      <td className="mono break">{line.input || <span className="muted">(empty)</span>}</td>
      <td className="mono small">{line.code ?? '—'}</td>
      <td>
        {line.reason ?? '—'}
        {line.outcome === 'duplicate' && line.itemId ? (
          <>
            {' '}
            <Link to={`/items/${line.itemId}`}>Open item</Link>
          </>
        ) : null}
      </td>
    </tr>
  );
}

function UploadFileForm(): ReactNode {
  const [file, setFile] = useState<File | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{ item: ItemView; created: boolean } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setPending(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.uploadFile(file));
      formRef.current?.reset();
      setFile(null);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form ref={formRef} className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="intake-upload-title">
      <h2 id="intake-upload-title">Upload a file</h2>
      <ErrorBanner error={error} title="The file was not taken in." />
      {result ? <SubmissionResult result={result} what="file" /> : null}
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor="intake-upload-file">File</label>
          <input
            id="intake-upload-file"
            type="file"
            required
            aria-describedby="intake-upload-hint"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          <span id="intake-upload-hint" className="hint">
            {file
              ? `${file.name}, ${formatBytes(file.size)}. `
              : 'Media or documents you already hold. '}
            Stored by its SHA-256; the same file twice is one item.
          </span>
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Uploading…' : 'Upload file'}
        </button>
      </div>
    </form>
  );
}
