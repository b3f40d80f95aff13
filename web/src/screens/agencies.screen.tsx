/** Agencies on the instance; the operator's admins (instance.manage) may add one. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { AGENCY_KINDS, type AgencyKind } from '../api/types';
import { SelectField } from '../fields';
import { can, useSession } from '../session';
import { PlaceholderRows } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

export function AgenciesScreen(): ReactNode {
  useTitle('Agencies');
  const session = useSession();
  const agencies = useLoad(() => api.listAgencies(), []);
  const [created, setCreated] = useState<string | null>(null);

  return (
    <section aria-labelledby="agencies-title">
      <h1 id="agencies-title">Agencies</h1>
      {can(session, 'instance.manage') ? (
        <CreateAgencyForm
          onCreated={(name) => {
            setCreated(name);
            agencies.reload();
          }}
        />
      ) : null}
      <Notice>{created ? `Agency “${created}” created.` : null}</Notice>
      <ErrorBanner error={agencies.error} title="Could not load agencies." />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Agencies</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Operator</th>
              <th scope="col">Created</th>
              <th scope="col">ID</th>
            </tr>
          </thead>
          <tbody>
            {agencies.data?.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.name}
                  {a.id === session.agency.id ? <span className="tag">yours</span> : null}
                </td>
                <td>{a.kind}</td>
                <td>{a.operator ? 'yes' : 'no'}</td>
                <td>
                  <Time ms={a.createdAt} />
                </td>
                <td className="mono">{a.id}</td>
              </tr>
            ))}
            <PlaceholderRows columns={5} rows={agencies.data} loading={agencies.loading} empty="No agencies." />
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateAgencyForm({ onCreated }: { onCreated: (name: string) => void }): ReactNode {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<AgencyKind>('authority');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const agency = await api.createAgency(name.trim(), kind);
      setName('');
      onCreated(agency.name);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="panel form-inline" onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-agency-title">
      <h2 id="new-agency-title">New agency</h2>
      <ErrorBanner error={error} title="Could not create the agency." />
      <div className="form-row">
        <div className="field">
          <label htmlFor="agency-name">Name</label>
          <input id="agency-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <SelectField id="agency-kind" label="Kind" value={kind} options={AGENCY_KINDS} onChange={setKind} />
        <button type="submit" className="button button-primary" disabled={pending}>
          Create agency
        </button>
      </div>
    </form>
  );
}
