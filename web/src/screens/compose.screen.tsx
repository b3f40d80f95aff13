/**
 * The composer of removal orders (`/orders/new`, TCO Art. 3 and Annex I) and of voluntary referrals
 * (`/referrals/new`), both from a review case (`?case=`, the case page links here): pick the
 * reviewed items, see the provider each URL resolves to, and — for an order — fill Annex I sections
 * A–G with the emergency, non-disclosure and cross-border parts. The server checks the whole annex;
 * its problems are shown beside the field each one is about. Sections E–G start from the agency's
 * last order, as the server would default them.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { annexProblemsOf, ANNEX_SHORT_TEXT_MAX, ANNEX_TEXT_MAX, AUTHORITY_TYPES, AUTHORITY_TYPE_LABELS, EMAIL_ADDRESS_MAX, orderApi, ORDER_REFERENCE_MAX, type AnnexIView, type AuthorityType, type NewOrder } from '../api/orders';
import { EEA_COUNTRIES, providerApi, type Resolution } from '../api/providers';
import { referralApi, REFERRAL_REASONS_MAX, REFERRAL_REFERENCE_MAX } from '../api/referrals';
import { GROUNDS, GROUND_LABELS, useReviewApi, VERDICT_LABELS, type CaseDetail, type CaseItem, type DecisionView, type Ground } from '../api/review';
import { can, useSession } from '../session';
import { ErrorBanner, Time, useLoad, useTitle } from '../ui';

type Kind = 'order' | 'referral';
const HOUR_MS = 3_600_000;
/** TCO Art. 3(2): the first-order notice goes out at least 12 hours before the first order. */
const FIRST_ORDER_NOTICE_MS = 12 * HOUR_MS;

export function ComposeOrderScreen(): ReactNode {
  useTitle('Compose a removal order');
  const session = useSession();
  if (session.agency.kind !== 'authority') {
    return (
      <section aria-labelledby="compose-title">
        <h1 id="compose-title">Compose a removal order</h1>
        <p>Only a competent authority issues removal orders (TCO Art. 3(1)); {session.agency.name} is a {session.agency.kind}. Refer the items instead.</p>
      </section>
    );
  }
  return <Compose kind="order" />;
}

export function ComposeReferralScreen(): ReactNode {
  useTitle('Compose a referral');
  return <Compose kind="referral" />;
}

function Compose({ kind }: { kind: Kind }): ReactNode {
  const [params, setParams] = useSearchParams();
  const caseId = params.get('case') ?? '';
  const [typed, setTyped] = useState('');
  const title = kind === 'order' ? 'Compose a removal order' : 'Compose a referral';
  return (
    <section aria-labelledby="compose-title">
      <p className="breadcrumb">
        <Link to={kind === 'order' ? '/orders' : '/referrals'}>{kind === 'order' ? 'Removal orders' : 'Referrals'}</Link>
      </p>
      <h1 id="compose-title">{title}</h1>
      <p className="lead">
        {kind === 'order'
          ? 'A removal order (TCO Art. 3) names items your review found to be terrorist content, all hosted by one provider. A second person approves it before it is issued.'
          : 'A referral asks one provider to check items against its terms of service; there is no legal clock. It is saved as a draft that you send from its page.'}
      </p>
      {caseId ? (
        <ComposeFromCase key={caseId} kind={kind} caseId={caseId} />
      ) : (
        <form
          className="panel"
          aria-label="Choose a case"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) setParams({ case: typed.trim() });
          }}
        >
          <p>
            Start from a decided case: open it from the <Link to="/review">review queue</Link> and use “Compose {kind === 'order' ? 'order' : 'referral'}”, or give its ID.
          </p>
          <div className="form-row">
            <div className="field">
              <label htmlFor="compose-case">Case ID</label>
              <input id="compose-case" className="mono" value={typed} onChange={(e) => setTyped(e.target.value)} required />
            </div>
            <button type="submit" className="button button-primary">
              Load case
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The decision that stands for an item: its newest one not taken back. */
export function currentDecisionOf(itemId: string, decisions: readonly DecisionView[]): DecisionView | null {
  return [...decisions].filter((d) => d.itemIds.includes(itemId) && d.status !== 'undone').sort((a, b) => (a.id < b.id ? 1 : -1))[0] ?? null;
}

/** What the server accepts: a terrorist_content decision past its undo window and not waiting for, or refused, approval. */
function isReviewed(d: DecisionView | null, now: number): boolean {
  if (!d || d.verdict !== 'terrorist_content') return false;
  return d.status === 'published' || d.status === 'approved' || (d.status === 'draft' && d.undoUntil <= now);
}

interface Candidate {
  item: CaseItem & { url: string };
  decision: DecisionView | null;
  reviewed: boolean;
}

function ComposeFromCase({ kind, caseId }: { kind: Kind; caseId: string }): ReactNode {
  const review = useReviewApi();
  const session = useSession();
  const detail = useLoad(() => review.getCase(caseId), [caseId, review]);
  const urls = (detail.data?.items ?? []).flatMap((i) => (i.url && !i.fileName ? [i.url] : []));
  const resolutions = useLoad(async () => {
    const out = new Map<string, Resolution | Error>();
    for (const url of urls) {
      try {
        out.set(url, await providerApi.resolve(url));
      } catch (err) {
        out.set(url, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return out;
  }, [urls.join('\n')]);
  // Sections E–G as the agency last filled them (the server's own default).
  const last = useLoad(async () => {
    if (kind !== 'order' || !can(session, 'order.read')) return null;
    const page = await orderApi.list({ limit: 1 });
    return page.orders[0] ? (await orderApi.get(page.orders[0].id)).annexI : null;
  }, [kind]);

  if (!detail.data || !resolutions.data || last.loading) {
    return (
      <>
        <ErrorBanner error={detail.error} title="Could not load the case." />
        {detail.error ? null : <p className="muted">Loading…</p>}
      </>
    );
  }
  const now = Date.now();
  const candidates: Candidate[] = detail.data.items.flatMap((item) => {
    if (!item.url || item.fileName) return [];
    const decision = currentDecisionOf(item.id, detail.data!.decisions);
    return [{ item: { ...item, url: item.url }, decision, reviewed: isReviewed(decision, now) }];
  });
  return <ComposeForm kind={kind} data={detail.data} candidates={candidates} resolutions={resolutions.data} lastAnnex={last.data ?? null} />;
}

interface AnnexDraft {
  referenceNumber: string;
  issuingState: string;
  grounds: Ground[];
  reasons: string;
  locating: Record<string, string>;
  nonDisclosure: boolean;
  nonDisclosureReason: string;
  hostAuthority: string;
  hostAuthorityEmail: string;
  authority: AnnexIView['authority'];
  followUpContact: { name: string; email: string; telephone: string };
  redress: AnnexIView['redress'];
  emergency: boolean;
  emergencyReason: string;
}

function initialAnnex(selected: Candidate[], last: AnnexIView | null): AnnexDraft {
  const decisions = [...new Map(selected.flatMap((c) => (c.decision ? [[c.decision.id, c.decision] as const] : []))).values()];
  return {
    referenceNumber: '',
    issuingState: last?.issuingState ?? '',
    grounds: [...new Set(decisions.flatMap((d) => d.grounds))].sort(),
    reasons: [...new Set(decisions.map((d) => d.reasons))].join('\n\n'),
    locating: {},
    nonDisclosure: false,
    nonDisclosureReason: '',
    hostAuthority: '',
    hostAuthorityEmail: '',
    authority: last?.authority ?? { type: 'other', name: '', representative: '', fileNumber: '', address: '', telephone: '', email: '' },
    followUpContact: { name: last?.followUpContact.name ?? '', email: last?.followUpContact.email ?? '', telephone: last?.followUpContact.telephone ?? '' },
    redress: last?.redress ?? { body: '', deadline: '', lawReference: '' },
    emergency: false,
    emergencyReason: '',
  };
}

function ComposeForm({
  kind,
  data,
  candidates,
  resolutions,
  lastAnnex,
}: {
  kind: Kind;
  data: CaseDetail;
  candidates: Candidate[];
  resolutions: Map<string, Resolution | Error>;
  lastAnnex: AnnexIView | null;
}): ReactNode {
  const navigate = useNavigate();
  const [selected, setSelected] = useState<string[]>(() => candidates.filter((c) => c.reviewed).map((c) => c.item.id));
  const [annex, setAnnex] = useState<AnnexDraft>(() => initialAnnex(candidates.filter((c) => c.reviewed), lastAnnex));
  const [reference, setReference] = useState('');
  const [reasons, setReasons] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const problems = annexProblemsOf(error);
  const problemOf = (field: string): string | null => {
    const found = problems.filter((p) => p.field === field);
    return found.length ? found.map((p) => p.problem).join('; ') : null;
  };

  const chosen = candidates.filter((c) => selected.includes(c.item.id));
  const providerOf = (c: Candidate) => {
    const r = resolutions.get(c.item.url);
    return r && !(r instanceof Error) ? r.provider : null;
  };
  const providers = [...new Map(chosen.flatMap((c) => (providerOf(c) ? [[providerOf(c)!.id, providerOf(c)!] as const] : []))).values()];
  const provider = providers.length === 1 ? providers[0]! : null;
  const crossBorder = provider !== null && provider.mainEstablishment !== null && annex.issuingState !== '' && provider.mainEstablishment !== annex.issuingState;
  const set = (change: Partial<AnnexDraft>): void => setAnnex((a) => ({ ...a, ...change }));

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    // In the case's order, so Annex I's `items.N` problems point at the N-th chosen item.
    const itemIds = chosen.map((c) => c.item.id);
    try {
      if (kind === 'referral') {
        const created = await referralApi.create({ itemIds, ...(reference.trim() ? { reference: reference.trim() } : {}), ...(reasons.trim() ? { reasons: reasons.trim() } : {}) });
        navigate(`/referrals/${created.referral.id}`);
        return;
      }
      const locating = Object.fromEntries(Object.entries(annex.locating).filter(([id, v]) => selected.includes(id) && v.trim() !== ''));
      const body: NewOrder = {
        itemIds,
        referenceNumber: annex.referenceNumber.trim(),
        issuingState: annex.issuingState,
        grounds: annex.grounds,
        reasons: annex.reasons,
        ...(Object.keys(locating).length ? { locating } : {}),
        nonDisclosure: { withheld: annex.nonDisclosure, ...(annex.nonDisclosure ? { reason: annex.nonDisclosureReason } : {}) },
        ...(crossBorder ? { hostAuthority: annex.hostAuthority, hostAuthorityEmail: annex.hostAuthorityEmail } : {}),
        authority: annex.authority,
        followUpContact: { ...annex.followUpContact, telephone: annex.followUpContact.telephone.trim() || null },
        redress: annex.redress,
        emergency: { declared: annex.emergency, ...(annex.emergency ? { reason: annex.emergencyReason } : {}) },
      };
      const created = await orderApi.propose(body);
      navigate(`/orders/${created.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={kind === 'order' ? 'Removal order' : 'Referral'} className="composer">
      <p>
        From the case of <Link to={`/review/${data.case.id}`}>{data.case.leadItem.url ?? data.case.leadItem.fileName ?? data.case.id}</Link>.
      </p>
      <fieldset className="checklist compose-items">
        <legend>Reviewed items</legend>
        {candidates.length === 0 ? <p className="muted">The case has no URL items; uploaded files are not hosted by a provider.</p> : null}
        <ol className="compose-item-list">
          {candidates.map((c) => (
            <ItemChoice
              key={c.item.id}
              kind={kind}
              candidate={c}
              checked={selected.includes(c.item.id)}
              onToggle={() => setSelected((s) => (s.includes(c.item.id) ? s.filter((x) => x !== c.item.id) : [...s, c.item.id]))}
              resolution={resolutions.get(c.item.url)}
              locating={annex.locating[c.item.id] ?? ''}
              onLocating={(v) => set({ locating: { ...annex.locating, [c.item.id]: v } })}
              problem={problemOf(`items.${chosen.findIndex((x) => x.item.id === c.item.id)}.locating`)}
            />
          ))}
        </ol>
        {providers.length > 1 ? (
          <p className="alert alert-warn" role="alert">
            The chosen items are hosted by {providers.map((p) => p.name).join(' and ')}; {kind === 'order' ? 'an order' : 'a referral'} goes to one provider. Untick the items of the others and compose
            one for each.
          </p>
        ) : null}
      </fieldset>

      {kind === 'referral' ? (
        <fieldset className="subform">
          <legend>Referral</legend>
          <div className="field">
            <label htmlFor="referral-reference">Your reference (optional)</label>
            <input id="referral-reference" maxLength={REFERRAL_REFERENCE_MAX} value={reference} onChange={(e) => setReference(e.target.value)} />
          </div>
          <div className="field field-wide">
            <label htmlFor="referral-reasons">Reasons the provider reads (optional)</label>
            <textarea id="referral-reasons" rows={4} maxLength={REFERRAL_REASONS_MAX} value={reasons} onChange={(e) => setReasons(e.target.value)} placeholder="Left empty: the reasons of the review decisions, shown with each item above." />
          </div>
        </fieldset>
      ) : (
        <AnnexIFields annex={annex} set={set} provider={provider} crossBorder={crossBorder} problemOf={problemOf} />
      )}

      <ErrorBanner error={error} title={kind === 'order' ? 'The order was not proposed.' : 'The referral was not created.'} />
      {problems.length > 0 ? (
        <ul className="field-problems error-text" aria-label="Problems">
          {problems.map((p) => (
            <li key={`${p.field}:${p.problem}`}>
              Section {p.section}: <code>{p.field}</code> {p.problem}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy || selected.length === 0}>
          {kind === 'order' ? 'Propose the order' : 'Create the referral draft'}
        </button>
        <span className="hint small">{kind === 'order' ? 'An approver other than you then approves it, which issues and sends it.' : 'You send it from the referral’s page.'}</span>
      </div>
    </form>
  );
}

function ItemChoice({
  kind,
  candidate: c,
  checked,
  onToggle,
  resolution,
  locating,
  onLocating,
  problem,
}: {
  kind: Kind;
  candidate: Candidate;
  checked: boolean;
  onToggle: () => void;
  resolution: Resolution | Error | undefined;
  locating: string;
  onLocating: (v: string) => void;
  problem: string | null;
}): ReactNode {
  const d = c.decision;
  const id = `compose-item-${c.item.id}`;
  return (
    <li className="compose-item" data-item-id={c.item.id}>
      <label className="check">
        <input type="checkbox" checked={checked} onChange={onToggle} />
        <span className="mono break">{c.item.url}</span>
      </label>
      <div className="small">
        Review:{' '}
        {d ? (
          <>
            <strong>{VERDICT_LABELS[d.verdict]}</strong> ({d.status.replace('_', ' ')}){d.grounds.length ? ` · Art. 2(7)(${d.grounds.join(', ')})` : ''}
            {c.reviewed ? null : <span className="status status-warn"> not ready: needs a published terrorist-content decision</span>}
          </>
        ) : (
          <span className="status status-warn">no decision</span>
        )}
      </div>
      {d && kind === 'referral' ? <div className="small prewrap compose-reasons">{d.reasons}</div> : null}
      <div className="small compose-provider">
        Provider:{' '}
        {resolution === undefined ? (
          <span className="muted">…</span>
        ) : resolution instanceof Error ? (
          <span className="error-text">{resolution.message}</span>
        ) : resolution.provider ? (
          <>
            <Link to={`/providers/${resolution.provider.id}`}>{resolution.provider.name}</Link> <span className="muted">({resolution.reason})</span>
          </>
        ) : (
          <span className="status status-bad">none in the registry ({resolution.reason})</span>
        )}
      </div>
      {kind === 'order' && checked ? (
        <div className="field field-wide">
          <label htmlFor={`${id}-locating`}>Extra information to locate it (Annex I section B, optional)</label>
          <input id={`${id}-locating`} maxLength={ANNEX_SHORT_TEXT_MAX} value={locating} onChange={(e) => onLocating(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-problem` : undefined} />
          {problem ? (
            <p id={`${id}-problem`} className="field-problem error-text">
              {problem}
            </p>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

/** One text input of Annex I with the server's problem for its field beside it. */
function AnnexText({
  field,
  label,
  value,
  onChange,
  problemOf,
  max = ANNEX_SHORT_TEXT_MAX,
  multiline = false,
  type = 'text',
  optional = false,
}: {
  field: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  problemOf: (field: string) => string | null;
  max?: number;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel';
  optional?: boolean;
}): ReactNode {
  const id = `annex-${field.replace(/\./g, '-')}`;
  const problem = problemOf(field);
  const common = { id, value, maxLength: max, 'aria-invalid': problem ? true : undefined, 'aria-describedby': problem ? `${id}-problem` : undefined } as const;
  return (
    <div className={multiline ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>
        {label}
        {optional ? ' (optional)' : ''}
      </label>
      {multiline ? <textarea {...common} rows={4} onChange={(e) => onChange(e.target.value)} /> : <input {...common} type={type} onChange={(e) => onChange(e.target.value)} />}
      {problem ? (
        <p id={`${id}-problem`} className="field-problem error-text">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function AnnexIFields({
  annex: a,
  set,
  provider,
  crossBorder,
  problemOf,
}: {
  annex: AnnexDraft;
  set: (change: Partial<AnnexDraft>) => void;
  provider: Resolution['provider'];
  crossBorder: boolean;
  problemOf: (field: string) => string | null;
}): ReactNode {
  const noticeAt = provider?.firstOrderNoticeSentAt ?? null;
  const toggleGround = (g: Ground): void => set({ grounds: a.grounds.includes(g) ? a.grounds.filter((x) => x !== g) : [...a.grounds, g].sort() });
  const authority = (change: Partial<AnnexIView['authority']>) => set({ authority: { ...a.authority, ...change } });
  const followUp = (change: Partial<AnnexDraft['followUpContact']>) => set({ followUpContact: { ...a.followUpContact, ...change } });
  const redress = (change: Partial<AnnexIView['redress']>) => set({ redress: { ...a.redress, ...change } });
  const stateProblem = problemOf('issuingState');
  const groundsProblem = problemOf('grounds');
  const addresseeProblems = ['addressee.providerName', 'addressee.contactPoint', 'addressee.legalRepresentative', 'addressee.mainEstablishment'].map(problemOf).filter((p) => p !== null);
  return (
    <>
      <fieldset className="subform annex-section" aria-describedby="annex-a-about">
        <legend>A. Issuer, addressee and reference</legend>
        <p id="annex-a-about" className="small">
          {provider ? (
            <>
              Addressee: <strong>{provider.name}</strong>, main establishment {provider.mainEstablishment ?? 'outside the EU/EEA'}
              {provider.legalRepresentative ? `, legal representative ${provider.legalRepresentative.name}` : ''}. The contact point comes from the registry.
            </>
          ) : (
            'The addressee is the provider the chosen items resolve to.'
          )}
        </p>
        {addresseeProblems.length ? <p className="field-problem error-text">Addressee (fix it in the provider registry): {addresseeProblems.join('; ')}</p> : null}
        <div className="form-row">
          <AnnexText field="referenceNumber" label="Reference number" value={a.referenceNumber} onChange={(v) => set({ referenceNumber: v })} problemOf={problemOf} max={ORDER_REFERENCE_MAX} />
          <div className="field field-narrow">
            <label htmlFor="annex-issuingState">Issuing Member State</label>
            <select id="annex-issuingState" value={a.issuingState} onChange={(e) => set({ issuingState: e.target.value })} required aria-invalid={stateProblem ? true : undefined}>
              <option value="">choose…</option>
              {EEA_COUNTRIES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            {stateProblem ? <p className="field-problem error-text">{stateProblem}</p> : null}
          </div>
        </div>
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>B. Grounds and reasons</legend>
        <fieldset className="checklist grounds" aria-describedby={groundsProblem ? 'annex-grounds-problem' : undefined}>
          <legend>The material (TCO Art. 2(7))…</legend>
          {GROUNDS.map((g) => (
            <label key={g}>
              <input type="checkbox" checked={a.grounds.includes(g)} onChange={() => toggleGround(g)} />({g}) {GROUND_LABELS[g]}
            </label>
          ))}
          {groundsProblem ? (
            <p id="annex-grounds-problem" className="field-problem error-text">
              {groundsProblem}
            </p>
          ) : null}
        </fieldset>
        <AnnexText field="reasons" label="Reasons" value={a.reasons} onChange={(v) => set({ reasons: v })} problemOf={problemOf} max={ANNEX_TEXT_MAX} multiline />
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>C. Non-disclosure (Art. 11(3))</legend>
        <label className="check">
          <input type="checkbox" checked={a.nonDisclosure} onChange={(e) => set({ nonDisclosure: e.target.checked })} /> Do not inform the content provider (public security, six weeks, extendable once)
        </label>
        {a.nonDisclosure ? <AnnexText field="nonDisclosure.reason" label="Why the content provider is not told" value={a.nonDisclosureReason} onChange={(v) => set({ nonDisclosureReason: v })} problemOf={problemOf} /> : null}
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>D. Cross-border (Art. 4)</legend>
        {crossBorder ? (
          <>
            <p className="small">
              The provider is established in {provider?.mainEstablishment}, not in {a.issuingState}: a copy of the order is e-mailed to that State’s competent authority when it is issued, and that authority may scrutinise it within 72 hours.
            </p>
            <div className="form-row">
              <AnnexText field="crossBorder.hostAuthority" label="Competent authority of the host State" value={a.hostAuthority} onChange={(v) => set({ hostAuthority: v })} problemOf={problemOf} />
              <AnnexText
                field="hostAuthorityEmail"
                label="Host authority e-mail (Art. 4(1) copy)"
                type="email"
                max={EMAIL_ADDRESS_MAX}
                value={a.hostAuthorityEmail}
                onChange={(v) => set({ hostAuthorityEmail: v })}
                problemOf={problemOf}
              />
            </div>
          </>
        ) : (
          <p className="small muted">{provider ? 'Not cross-border: the provider is established in the issuing State, or outside the EU/EEA.' : 'Decided by the provider’s main establishment and the issuing State.'}</p>
        )}
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>E. Issuing authority</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor="annex-authority-type">Type</label>
            <select id="annex-authority-type" value={a.authority.type} onChange={(e) => authority({ type: e.target.value as AuthorityType })}>
              {AUTHORITY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {AUTHORITY_TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          </div>
          <AnnexText field="authority.name" label="Authority name" value={a.authority.name} onChange={(v) => authority({ name: v })} problemOf={problemOf} />
          <AnnexText field="authority.representative" label="Representative" value={a.authority.representative} onChange={(v) => authority({ representative: v })} problemOf={problemOf} />
          <AnnexText field="authority.fileNumber" label="File number" value={a.authority.fileNumber} onChange={(v) => authority({ fileNumber: v })} problemOf={problemOf} max={100} />
        </div>
        <div className="form-row">
          <AnnexText field="authority.address" label="Address" value={a.authority.address} onChange={(v) => authority({ address: v })} problemOf={problemOf} />
          <AnnexText field="authority.telephone" label="Telephone" type="tel" value={a.authority.telephone} onChange={(v) => authority({ telephone: v })} problemOf={problemOf} max={50} />
          <AnnexText field="authority.email" label="Authority e-mail" type="email" value={a.authority.email} onChange={(v) => authority({ email: v })} problemOf={problemOf} />
        </div>
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>F. Contact for follow-up</legend>
        <div className="form-row">
          <AnnexText field="followUpContact.name" label="Contact name" value={a.followUpContact.name} onChange={(v) => followUp({ name: v })} problemOf={problemOf} />
          <AnnexText field="followUpContact.email" label="Contact e-mail" type="email" value={a.followUpContact.email} onChange={(v) => followUp({ email: v })} problemOf={problemOf} />
          <AnnexText field="followUpContact.telephone" label="Contact telephone" type="tel" optional value={a.followUpContact.telephone} onChange={(v) => followUp({ telephone: v })} problemOf={problemOf} max={50} />
        </div>
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>G. Redress</legend>
        <div className="form-row">
          <AnnexText field="redress.body" label="Competent body or court" value={a.redress.body} onChange={(v) => redress({ body: v })} problemOf={problemOf} />
          <AnnexText field="redress.deadline" label="Deadline for redress" value={a.redress.deadline} onChange={(v) => redress({ deadline: v })} problemOf={problemOf} max={200} />
          <AnnexText field="redress.lawReference" label="National law" value={a.redress.lawReference} onChange={(v) => redress({ lawReference: v })} problemOf={problemOf} />
        </div>
      </fieldset>

      <fieldset className="subform annex-section">
        <legend>Emergency (Art. 3(2))</legend>
        <p className="small">
          {provider === null
            ? 'Before an authority’s first order to a provider, its procedures and deadlines go to the provider at least 12 hours ahead, except in an emergency.'
            : noticeAt === null
              ? `Your agency has not sent ${provider.name} its first-order notice: unless the provider already had an order from you, this order can only be issued as an emergency, with the reason.`
              : noticeAt + FIRST_ORDER_NOTICE_MS > Date.now()
                ? `The first-order notice went to ${provider.name} recently; a first order may be issued 12 hours after it, or earlier as an emergency.`
                : `Your agency sent ${provider.name} its first-order notice.`}
          {provider !== null && noticeAt !== null ? (
            <>
              {' '}
              Sent <Time ms={noticeAt} />.
            </>
          ) : null}
        </p>
        <label className="check">
          <input type="checkbox" checked={a.emergency} onChange={(e) => set({ emergency: e.target.checked })} /> This is an emergency: issue without the 12-hour notice
        </label>
        {a.emergency ? <AnnexText field="emergency.reason" label="Reason for the emergency" value={a.emergencyReason} onChange={(v) => set({ emergencyReason: v })} problemOf={problemOf} /> : null}
      </fieldset>
    </>
  );
}
