/**
 * The outlet registry: media outlets of terrorist and violent extremist groups, shared by every
 * agency of the instance, with their aliases, parent group, ideology and known channels (domains,
 * onion services, accounts). Review uses it to suggest where an item comes from. Authorities and
 * flaggers with outlet.manage add outlets here and change them on their page; provider agencies
 * only read.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import {
  linesOf,
  OUTLET_GROUP_MAX,
  OUTLET_IDEOLOGIES,
  OUTLET_NAME_MAX,
  OUTLET_NOTES_MAX,
  outletApi,
  type OutletIdeology,
  type OutletView,
} from '../api/outlets';
import type { SessionView } from '../api/types';
import { FormButtons, OpenFormButton, SelectField } from '../fields';
import { can, useSession } from '../session';
import { EmptyRow } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

/** How many channels a row of the list names; the outlet's page has them all. */
const CHANNELS_SHOWN = 3;

/** Whether this session may change the registry: the permission, and not a provider agency (VIGIL_OUTLET_READ_ONLY). */
export function canEditOutlets(session: SessionView): boolean {
  return can(session, 'outlet.manage') && session.agency.kind !== 'provider';
}

function matches(o: OutletView, needle: string): boolean {
  if (needle === '') return true;
  const hay = [o.name, ...o.aliases, o.parentGroup ?? '', ...o.channels.flatMap((c) => [c.label, c.value])];
  return hay.some((h) => h.toLowerCase().includes(needle));
}

export function OutletsScreen(): ReactNode {
  useTitle('Outlets');
  const session = useSession();
  const edit = canEditOutlets(session);
  const [archived, setArchived] = useState(false);
  const [search, setSearch] = useState('');
  const [ideology, setIdeology] = useState<OutletIdeology | ''>('');
  const [notice, setNotice] = useState<ReactNode>(null);
  const outlets = useLoad(() => outletApi.list(archived), [archived]);
  const needle = search.trim().toLowerCase();
  const shown = (outlets.data ?? []).filter((o) => matches(o, needle) && (ideology === '' || o.ideology === ideology));

  return (
    <section aria-labelledby="outlets-title">
      <h1 id="outlets-title">Outlets</h1>
      <p className="lead">
        Media outlets and the channels they publish on, shared by every agency of this instance. Review suggests an item’s
        outlet from bank labels, the item’s own channel and its links.
      </p>
      {edit ? (
        <CreateOutletForm
          onCreated={(o) => {
            setNotice(
              <span>
                Outlet <Link to={`/outlets/${o.id}`}>{o.name}</Link> created.
              </span>,
            );
            outlets.reload();
          }}
        />
      ) : null}
      <Notice>{notice}</Notice>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="outlet-search">Search outlets</label>
          <input id="outlet-search" type="search" placeholder="name, alias, group or channel" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <SelectField id="outlet-ideology-filter" label="Ideology" width="narrow" value={ideology} empty="any" options={OUTLET_IDEOLOGIES} onChange={setIdeology} />
        <label className="check">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} /> Show archived outlets
        </label>
      </div>
      <ErrorBanner error={outlets.error} title="Could not load the outlets." />
      <div className="table-wrap">
        <table className="data outlets">
          <caption className="visually-hidden">Outlets by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Parent group</th>
              <th scope="col">Ideology</th>
              <th scope="col">Known channels</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((o) => (
              <tr key={o.id} data-outlet-id={o.id} className={o.archivedAt === null ? undefined : 'row-inactive'}>
                <td>
                  <Link to={`/outlets/${o.id}`}>{o.name}</Link>
                  {o.archivedAt !== null ? <> <span className="tag">archived</span></> : null}
                  {o.aliases.length > 0 ? <div className="small muted">also {o.aliases.join(', ')}</div> : null}
                </td>
                <td>{o.parentGroup ?? <span className="muted">—</span>}</td>
                <td>{o.ideology ?? <span className="muted">—</span>}</td>
                <td className="small">
                  {o.channels.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <>
                      {o.channels
                        .slice(0, CHANNELS_SHOWN)
                        .map((c) => c.label)
                        .join(', ')}
                      {o.channels.length > CHANNELS_SHOWN ? <span className="muted"> and {o.channels.length - CHANNELS_SHOWN} more</span> : null}
                    </>
                  )}
                </td>
                <td className="nowrap">
                  <Time ms={o.updatedAt} />
                </td>
              </tr>
            ))}
            {shown.length === 0 ? (
              <EmptyRow columns={5}>{outlets.loading && !outlets.data ? 'Loading…' : needle || ideology ? 'No outlet matches.' : 'No outlets yet.'}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateOutletForm({ onCreated }: { onCreated: (o: OutletView) => void }): ReactNode {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [aliases, setAliases] = useState('');
  const [parentGroup, setParentGroup] = useState('');
  const [ideology, setIdeology] = useState<OutletIdeology | ''>('');
  const [notes, setNotes] = useState('');
  const [channels, setChannels] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const created = await outletApi.create({
        name: name.trim(),
        aliases: linesOf(aliases),
        parentGroup: parentGroup.trim() || null,
        ideology: ideology || null,
        notes: notes.trim(),
        channels: linesOf(channels).map((value) => ({ value })),
      });
      setName('');
      setAliases('');
      setParentGroup('');
      setIdeology('');
      setNotes('');
      setChannels('');
      setOpen(false);
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  if (!open) return <OpenFormButton onOpen={() => setOpen(true)}>Add an outlet</OpenFormButton>;
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="new-outlet-title">
      <h2 id="new-outlet-title">Add an outlet</h2>
      <ErrorBanner error={error} title="Could not add the outlet." />
      <OutletFields
        idPrefix="outlet-new"
        value={{ name, aliases, parentGroup, ideology, notes }}
        onChange={(v) => {
          setName(v.name);
          setAliases(v.aliases);
          setParentGroup(v.parentGroup);
          setIdeology(v.ideology);
          setNotes(v.notes);
        }}
      />
      <div className="field field-wide">
        <label htmlFor="outlet-new-channels">Known channels, one per line</label>
        <textarea id="outlet-new-channels" rows={3} spellCheck={false} aria-describedby="outlet-new-channels-hint" value={channels} onChange={(e) => setChannels(e.target.value)} />
        <span id="outlet-new-channels-hint" className="hint small">
          A URL (<code>https://t.me/name</code>, <code>https://example.org/</code>) or a domain; the kind is read from it. Add
          an <code>@name</code> on the outlet’s page, where you choose its kind. All are added or none.
        </span>
      </div>
      <FormButtons submit="Create outlet" pending={pending} onCancel={() => setOpen(false)} />
    </form>
  );
}

export interface OutletDraft {
  name: string;
  aliases: string;
  parentGroup: string;
  ideology: OutletIdeology | '';
  notes: string;
}

export function OutletFields({ idPrefix, value, onChange }: { idPrefix: string; value: OutletDraft; onChange: (v: OutletDraft) => void }): ReactNode {
  const id = (k: string): string => `${idPrefix}-${k}`;
  return (
    <>
      <div className="form-row">
        <div className="field">
          <label htmlFor={id('name')}>Name</label>
          {/* The form opens on a button press: the cursor goes where the typing starts. */}
          <input id={id('name')} required maxLength={OUTLET_NAME_MAX} autoComplete="off" autoFocus value={value.name} onChange={(e) => onChange({ ...value, name: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={id('parentGroup')}>Parent group</label>
          <input id={id('parentGroup')} maxLength={OUTLET_GROUP_MAX} autoComplete="off" value={value.parentGroup} onChange={(e) => onChange({ ...value, parentGroup: e.target.value })} />
        </div>
        <SelectField id={id('ideology')} label="Ideology" width="narrow" value={value.ideology} empty="not given" options={OUTLET_IDEOLOGIES} onChange={(ideology) => onChange({ ...value, ideology })} />
      </div>
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor={id('aliases')}>Aliases, one per line</label>
          <textarea id={id('aliases')} rows={3} value={value.aliases} onChange={(e) => onChange({ ...value, aliases: e.target.value })} />
        </div>
        <div className="field field-wide">
          <label htmlFor={id('notes')}>Notes</label>
          <textarea id={id('notes')} rows={3} maxLength={OUTLET_NOTES_MAX} value={value.notes} onChange={(e) => onChange({ ...value, notes: e.target.value })} />
        </div>
      </div>
    </>
  );
}
