import type { AgencyKind, SessionView } from './api/types';

export interface Screen {
  path: string;
  label: string;
  permission: string;
  about: string;
  /** The agency kinds whose work the screen is for; every kind when absent. */
  kinds?: readonly AgencyKind[];
}

/** Every screen behind the login, with the permission that opens it. The nav and the overview both read this. */
export const SCREENS: readonly Screen[] = [
  { path: '/intake', label: 'Intake', permission: 'item.write', about: 'Submit a URL, a bulk list or a file for capture.' },
  { path: '/items', label: 'Items', permission: 'item.read', about: 'Everything taken in, its captures and evidence.' },
  { path: '/review', label: 'Review', permission: 'item.read', about: 'Cases awaiting a human decision, most urgent first.' },
  { path: '/sources', label: 'Sources', permission: 'item.read', about: 'Feeds, pages and channels checked on a schedule.' },
  { path: '/banks', label: 'Banks', permission: 'bank.read', about: 'Hash lists that new captures are matched against.' },
  { path: '/outlets', label: 'Outlets', permission: 'item.read', about: 'Media outlets, their aliases, groups and known channels.' },
  // Provider agencies read the registry through the API but do not address providers themselves.
  { path: '/providers', label: 'Providers', permission: 'provider.read', about: 'Hosting providers, their contact points, and what was sent to them.', kinds: ['authority', 'flagger'] },
  // TCO Art. 3(1): competent authorities issue removal orders; providers answer them in the portal.
  { path: '/orders', label: 'Orders', permission: 'order.read', about: 'Removal orders, their one-hour clocks and the providers’ answers.', kinds: ['authority'] },
  { path: '/referrals', label: 'Referrals', permission: 'provider.read', about: 'Items referred to providers under their terms of service, and the outcomes.', kinds: ['authority', 'flagger'] },
  // Only provider agencies receive messages; an authority's admin holds the permission but has no inbox.
  { path: '/portal', label: 'Portal', permission: 'portal.respond', about: 'Notices, referrals, orders and complaints: acknowledge and answer them.', kinds: ['provider'] },
  { path: '/custody', label: 'Custody', permission: 'custody.verify', about: 'Verify the chain of custody and its checkpoints.' },
  { path: '/agencies', label: 'Agencies', permission: 'agency.read', about: 'Agencies on this instance and their kind.' },
  { path: '/users', label: 'Users', permission: 'user.read', about: 'People in your agency, their roles and access.' },
  { path: '/tokens', label: 'API tokens', permission: 'token.manage', about: 'Scoped tokens for scripts and integrations.' },
  { path: '/audit', label: 'Audit log', permission: 'audit.read', about: 'Every change and every content view, newest first.' },
  { path: '/jobs', label: 'Jobs', permission: 'job.read', about: 'Background work: queued, running, failed.' },
];

/** The screens this session may open and that are meant for its agency's kind. */
export function screensFor(session: SessionView): Screen[] {
  return SCREENS.filter((s) => session.permissions.includes(s.permission) && (!s.kinds || s.kinds.includes(session.agency.kind)));
}
