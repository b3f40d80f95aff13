/** Pieces of the page of one record (a bank, an outlet, a provider, a source, an item). */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ErrorBanner, Time } from './ui';

/** The head of a record's page: the way back to its list, its title, why it did not load, and "Loading…" while `loading`. */
export function RecordHeading({
  list,
  listLabel,
  titleId,
  title,
  error,
  errorTitle,
  loading,
}: {
  /** The list's address, e.g. `/banks`. */
  list: string;
  listLabel: string;
  titleId: string;
  title: ReactNode;
  error: unknown;
  errorTitle: string;
  loading: boolean;
}): ReactNode {
  return (
    <>
      <p className="breadcrumb">
        <Link to={list}>{listLabel}</Link>
      </p>
      <h1 id={titleId}>{title}</h1>
      <ErrorBanner error={error} title={errorTitle} />
      {loading ? <p className="muted">Loading…</p> : null}
    </>
  );
}

/** The last two rows of a record's facts list: when it was created and last updated. */
export function CreatedUpdatedFacts({ createdAt, updatedAt }: { createdAt: number; updatedAt: number }): ReactNode {
  return (
    <>
      <dt>Created</dt>
      <dd>
        <Time ms={createdAt} />
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time ms={updatedAt} />
      </dd>
    </>
  );
}
