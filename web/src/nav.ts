/** Every screen behind the login, with the permission that opens it. The nav and the overview both read this. */
export const SCREENS = [
  { path: '/intake', label: 'Intake', permission: 'item.write', about: 'Submit a URL, a bulk list or a file for capture.' },
  { path: '/items', label: 'Items', permission: 'item.read', about: 'Everything taken in, its captures and evidence.' },
  { path: '/review', label: 'Review', permission: 'item.read', about: 'Cases awaiting a human decision, most urgent first.' },
  { path: '/sources', label: 'Sources', permission: 'item.read', about: 'Feeds, pages and channels checked on a schedule.' },
  { path: '/banks', label: 'Banks', permission: 'bank.read', about: 'Hash lists that new captures are matched against.' },
  { path: '/custody', label: 'Custody', permission: 'custody.verify', about: 'Verify the chain of custody and its checkpoints.' },
  { path: '/agencies', label: 'Agencies', permission: 'agency.read', about: 'Agencies on this instance and their kind.' },
  { path: '/users', label: 'Users', permission: 'user.read', about: 'People in your agency, their roles and access.' },
  { path: '/tokens', label: 'API tokens', permission: 'token.manage', about: 'Scoped tokens for scripts and integrations.' },
  { path: '/audit', label: 'Audit log', permission: 'audit.read', about: 'Every change and every content view, newest first.' },
  { path: '/jobs', label: 'Jobs', permission: 'job.read', about: 'Background work: queued, running, failed.' },
] as const;
