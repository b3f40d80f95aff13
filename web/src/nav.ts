/** Every screen behind the login, with the permission that opens it. The nav and the overview both read this. */
export const SCREENS = [
  { path: '/agencies', label: 'Agencies', permission: 'agency.read', about: 'Agencies on this instance and their kind.' },
  { path: '/users', label: 'Users', permission: 'user.read', about: 'People in your agency, their roles and access.' },
  { path: '/tokens', label: 'API tokens', permission: 'token.manage', about: 'Scoped tokens for scripts and integrations.' },
  { path: '/audit', label: 'Audit log', permission: 'audit.read', about: 'Every change and every content view, newest first.' },
  { path: '/jobs', label: 'Jobs', permission: 'job.read', about: 'Background work: queued, running, failed.' },
] as const;
