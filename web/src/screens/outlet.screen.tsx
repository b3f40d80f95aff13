/**
 * One outlet: its aliases, parent group, ideology, notes and known channels. People with
 * outlet.manage (in an authority or flagger) edit it, archive it (kept, but no longer suggested),
 * and add or remove channels; a channel belongs to one outlet in the instance, and the server says
 * which one when it is already taken.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { CHANNEL_INPUT_MAX, CHANNEL_KIND_LABELS, CHANNEL_KINDS, linesOf, outletApi, type ChannelKind, type OutletView } from '../api/outlets';
import { FormButtons, SelectField } from '../fields';
import { CreatedUpdatedFacts, RecordHeading } from '../record-page';
import { useSession } from '../session';
import { EmptyRow } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';
import { canEditOutlets, OutletFields, type OutletDraft } from './outlets.screen';

export function OutletRoute(): ReactNode {
  const { outletId = '' } = useParams();
  // A new key per outlet: no form carries over from one outlet to the next.
  return <OutletScreen key={outletId} outletId={outletId} />;
}

function draftOf(o: OutletView): OutletDraft {
  return { name: o.name, aliases: o.aliases.join('\n'), parentGroup: o.parentGroup ?? '', ideology: o.ideology ?? '', notes: o.notes };
}

function OutletScreen({ outletId }: { outletId: string }): ReactNode {
  const session = useSession();
  const edit = canEditOutlets(session);
  const detail = useLoad(() => outletApi.get(outletId), [outletId]);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // Every change answers with the outlet as stored: shown at once, no second request.
  const [saved, setSaved] = useState<OutletView | null>(null);
  const outlet = saved ?? detail.data;
  useTitle(outlet ? `Outlet ${outlet.name}` : 'Outlet');

  const changed = (message: string, o: OutletView): void => {
    setNotice(message);
    setSaved(o);
  };

  return (
    <section aria-labelledby="outlet-title">
      <RecordHeading list="/outlets" listLabel="Outlets" titleId="outlet-title" title={outlet ? outlet.name : 'Outlet'} error={detail.error} errorTitle="Could not load the outlet." loading={detail.loading && !outlet} />
      {outlet ? (
        <>
          {outlet.archivedAt !== null ? (
            <p className="alert alert-warn">
              Archived <Time ms={outlet.archivedAt} />: kept in the registry, never suggested.
            </p>
          ) : null}
          <Notice>{notice}</Notice>
          {editing ? (
            <EditOutletForm
              outlet={outlet}
              onDone={(done) => {
                setEditing(false);
                if (done) changed(done.message, done.outlet);
              }}
            />
          ) : (
            <OutletFacts
              outlet={outlet}
              edit={edit}
              onEdit={() => {
                setNotice(null);
                setEditing(true);
              }}
              onChanged={changed}
            />
          )}
          <Channels outlet={outlet} edit={edit} onChanged={changed} />
        </>
      ) : null}
    </section>
  );
}

function OutletFacts({ outlet: o, edit, onEdit, onChanged }: { outlet: OutletView; edit: boolean; onEdit: () => void; onChanged: (message: string, o: OutletView) => void }): ReactNode {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const archived = o.archivedAt !== null;

  const toggleArchived = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onChanged(archived ? 'Outlet restored: it is suggested again.' : 'Outlet archived: it is no longer suggested.', await outletApi.update(o.id, { archived: !archived }));
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="registry-section" aria-labelledby="outlet-facts-title">
      <h2 id="outlet-facts-title">Details</h2>
      <ErrorBanner error={error} title="Could not change the outlet." />
      <dl className="facts">
        <dt>Aliases</dt>
        <dd>{o.aliases.length > 0 ? o.aliases.join(', ') : <span className="muted">—</span>}</dd>
        <dt>Parent group</dt>
        <dd>{o.parentGroup ?? <span className="muted">—</span>}</dd>
        <dt>Ideology</dt>
        <dd>{o.ideology ?? <span className="muted">not given</span>}</dd>
        <dt>Notes</dt>
        <dd className="prewrap">{o.notes || <span className="muted">—</span>}</dd>
        <dt>Origin</dt>
        <dd>{o.seedKey ? `seed list (${o.seedKey})${o.editedAt !== null ? ', changed here since' : ''}` : 'added on this instance'}</dd>
        <CreatedUpdatedFacts createdAt={o.createdAt} updatedAt={o.updatedAt} />
      </dl>
      {edit ? (
        <div className="button-row">
          <button type="button" className="button" onClick={onEdit}>
            Edit outlet
          </button>
          <button type="button" className={`button${archived ? '' : ' button-danger'}`} disabled={pending} onClick={() => void toggleArchived()}>
            {archived ? 'Restore outlet' : 'Archive outlet'}
          </button>
        </div>
      ) : null}
    </section>
  );
}

function EditOutletForm({ outlet, onDone }: { outlet: OutletView; onDone: (done: { message: string; outlet: OutletView } | null) => void }): ReactNode {
  const [draft, setDraft] = useState<OutletDraft>(draftOf(outlet));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const saved = await outletApi.update(outlet.id, {
        name: draft.name.trim(),
        aliases: linesOf(draft.aliases),
        parentGroup: draft.parentGroup.trim() || null,
        ideology: draft.ideology || null,
        notes: draft.notes.trim(),
      });
      onDone({ message: 'Outlet saved.', outlet: saved });
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };

  return (
    <form className="panel panel-edit" onSubmit={(e) => void save(e)} aria-labelledby="outlet-edit-title" onKeyDown={(e) => e.key === 'Escape' && onDone(null)}>
      <h2 id="outlet-edit-title">Edit outlet</h2>
      <ErrorBanner error={error} title="Could not save the outlet." />
      <OutletFields idPrefix="outlet-edit" value={draft} onChange={setDraft} />
      {outlet.seedKey ? <p className="hint">This outlet came from the seed list; once changed here, the seed list no longer updates it.</p> : null}
      <FormButtons submit="Save outlet" pending={pending} onCancel={() => onDone(null)}>
        <span className="hint small">Esc cancels.</span>
      </FormButtons>
    </form>
  );
}

function Channels({ outlet, edit, onChanged }: { outlet: OutletView; edit: boolean; onChanged: (message: string, o: OutletView) => void }): ReactNode {
  const [kind, setKind] = useState<ChannelKind | ''>('');
  const [value, setValue] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (work: () => Promise<OutletView>, message: string): Promise<boolean> => {
    setPending(true);
    setError(null);
    try {
      onChanged(message, await work());
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setPending(false);
    }
  };

  const add = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const v = value.trim();
    if (await run(() => outletApi.addChannel(outlet.id, { kind: kind || null, value: v }), `Channel ${v} added.`)) setValue('');
  };

  return (
    <section className="registry-section" aria-labelledby="outlet-channels-title">
      <h2 id="outlet-channels-title">Known channels</h2>
      <ErrorBanner error={error} title="Could not change the channels." />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Known channels of {outlet.name}</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Kind</th>
              <th scope="col">Normal form</th>
              <th scope="col">Added</th>
              {edit ? <th scope="col">Remove</th> : null}
            </tr>
          </thead>
          <tbody>
            {outlet.channels.map((c) => (
              <tr key={c.id}>
                <td>{c.label}</td>
                <td>{CHANNEL_KIND_LABELS[c.kind]}</td>
                <td className="mono break">{c.value}</td>
                <td className="nowrap">
                  <Time ms={c.addedAt} />
                </td>
                {edit ? (
                  <td>
                    <button type="button" className="button button-small" disabled={pending} onClick={() => void run(() => outletApi.removeChannel(outlet.id, c.id), `Channel ${c.label} removed.`)}>
                      Remove<span className="visually-hidden"> {c.label}</span>
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
            {outlet.channels.length === 0 ? <EmptyRow columns={edit ? 5 : 4}>No known channels.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {edit ? (
        <form className="add-channel" onSubmit={(e) => void add(e)} aria-label="Add a channel">
          <div className="form-row">
            <SelectField id="channel-kind" label="Kind" width="narrow" value={kind} empty="from the URL" options={CHANNEL_KINDS} labels={CHANNEL_KIND_LABELS} onChange={setKind} />
            <div className="field field-wide">
              <label htmlFor="channel-value">Channel</label>
              <input id="channel-value" required maxLength={CHANNEL_INPUT_MAX} spellCheck={false} autoComplete="off" placeholder="https://t.me/name, @name, example.org" value={value} onChange={(e) => setValue(e.target.value)} />
            </div>
            <button type="submit" className="button button-primary" disabled={pending}>
              Add channel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
