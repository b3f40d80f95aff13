/**
 * `vigil referral`: referrals from scripts. Changes are made on behalf of a named user of the
 * issuing agency (`--as`), who must hold `review.decide` as in the API; reading takes the agency
 * (`--agency`) or a user of it.
 */
import { Option, type Command } from 'commander';
import { out, parseLimit, readerActor, userActor, withRuntime } from './cli-common.ts';
import { REFERRAL_PAGE_MAX, REFERRAL_STATES, type ReferralState } from '../domains/referral/referral.model.ts';
import type { StoredReferral } from '../domains/referral/referral.repository.ts';
import type { IssuerDetail } from '../domains/referral/referral.service.ts';

const referralLine = (r: StoredReferral) => `${r.id}  ${r.state.padEnd(12)}  ${r.reference}  ${r.answeredCount}/${r.itemCount} answered${r.reminders ? `  ${r.reminders} reminder(s)` : ''}`;
const detailText = (d: IssuerDetail) =>
  [
    referralLine(d.referral),
    ...d.items.map((i) => `  item ${i.id}  ${i.url}  Art. 2(7)(${i.grounds.join(',')})  ${i.outcome ?? 'unanswered'}${i.outcomeReason ? `: ${i.outcomeReason}` : ''}`),
    ...d.events.map((e) => `  ${new Date(e.at).toISOString()}  ${e.kind}  ${e.actor}`),
    ...d.dispatches.map((x) => `  dispatch ${x.id}  ${x.channel}  ${x.state}`),
  ].join('\n');

export function registerReferralCommands(program: Command): void {
  const referral = program.command('referral').description('Voluntary referrals of decided items to one provider');

  referral
    .command('create')
    .description('Draft a referral of items your review found to be terrorist content, all on one provider')
    .requiredOption('--items <ids>', 'comma-separated item ids')
    .option('--reference <text>', 'your file reference (default REF-<date>-<id>)')
    .option('--reasons <text>', 'the reasons the provider reads (default: the review decisions’)')
    .requiredOption('--as <email>', 'the user who drafts it')
    .option('--json', 'machine-readable output')
    .action(async (opts: { items: string; reference?: string; reasons?: string; as: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const itemIds = opts.items.split(',').map((s) => s.trim()).filter(Boolean);
        const d = await (await userActor(rt, opts.as, 'review.decide')).referrals().create({ itemIds, reference: opts.reference, reasons: opts.reasons });
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );

  referral
    .command('send <referralId>')
    .description('Send a draft to every channel of its provider')
    .requiredOption('--as <email>', 'the user who sends it')
    .option('--json', 'machine-readable output')
    .action(async (referralId: string, opts: { as: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await (await userActor(rt, opts.as, 'review.decide')).referrals().send(referralId);
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );

  referral
    .command('close <referralId>')
    .description('Close a referral (done, or withdrawn); the provider can no longer answer it')
    .requiredOption('--as <email>', 'the user who closes it')
    .option('--note <text>', 'why it is closed')
    .option('--json', 'machine-readable output')
    .action(async (referralId: string, opts: { as: string; note?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await (await userActor(rt, opts.as, 'review.decide')).referrals().close(referralId, opts.note);
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );

  referral
    .command('list')
    .description('Your agency’s referrals, newest first')
    .addOption(new Option('--state <state>', 'only in this state').choices(REFERRAL_STATES))
    .option('--agency <agency>', 'the agency (id or name)')
    .option('--as <email>', 'or: a user of the agency')
    .option('--limit <n>', `at most this many (1 to ${REFERRAL_PAGE_MAX})`, '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { state?: ReferralState; agency?: string; as?: string; limit: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const limit = parseLimit(opts.limit, REFERRAL_PAGE_MAX);
        const referrals = await (await readerActor(rt, opts, 'provider.read')).referrals().list({ limit, ...(opts.state ? { state: opts.state } : {}) });
        out(Boolean(opts.json), { referrals }, () => (referrals.length ? referrals.map(referralLine).join('\n') : 'no referrals'));
      }),
    );

  referral
    .command('show <referralId>')
    .description('One referral: items with the provider’s outcomes, history and dispatches')
    .option('--agency <agency>', 'the agency (id or name)')
    .option('--as <email>', 'or: a user of the agency')
    .option('--json', 'machine-readable output')
    .action(async (referralId: string, opts: { agency?: string; as?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await (await readerActor(rt, opts, 'provider.read')).referrals().get(referralId);
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );
}
