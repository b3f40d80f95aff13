/**
 * `vigil review`: the review queue, one case, and decisions from scripts (bulk verification).
 * A decision or an approval is made on behalf of a named user of the agency (`--as`), who must
 * hold the permission the API would ask for; four eyes apply as in the API.
 */
import { Option, type Command } from 'commander';
import { out, parseLimit, parseList, readerActor, userActor, withRuntime } from './cli-common.ts';
import { TIERS, type Tier } from '../domains/bank/bank.model.ts';
import { CASE_STATUSES, EXEMPT_PURPOSES, GROUNDS, REVIEW_QUEUE_PAGE_MAX, VERDICTS, type ExemptPurpose, type Ground, type Verdict } from '../domains/review/review.model.ts';
import type { CaseSummary, DecisionView } from '../domains/review/review.service.ts';

const caseLine = (c: CaseSummary) =>
  `${c.id}  ${c.status.padEnd(17)}  ${String(c.priority.score).padStart(3)}  ${String(c.itemCount).padStart(3)} item(s)  ${c.leadItem.url ?? c.leadItem.fileName ?? c.leadItem.id}\n    ${c.priority.summary}`;
const decisionLine = (d: DecisionView) =>
  `${d.id}  ${d.status}  ${d.verdict}${d.exemptPurpose ? ` (${d.exemptPurpose})` : ''}${d.grounds.length ? `  Art. 2(7)(${d.grounds.join(',')})` : ''}  by ${d.reviewer.name}${d.approval ? `  ${d.approval.decision} by ${d.approval.approverName}` : ''}`;

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('The review queue, cases and decisions');

  review
    .command('list')
    .description('Cases, most urgent first, with their priority explained')
    .addOption(new Option('--status <status>', 'which cases').choices([...CASE_STATUSES, 'all']).default('open'))
    .option('--agency <agency>', 'the agency (id or name)')
    .option('--as <email>', 'or: a user of the agency')
    .option('--limit <n>', `at most this many (1 to ${REVIEW_QUEUE_PAGE_MAX})`, '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status: (typeof CASE_STATUSES)[number] | 'all'; agency?: string; as?: string; limit: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const limit = parseLimit(opts.limit, REVIEW_QUEUE_PAGE_MAX);
        const page = await (await readerActor(rt, opts, 'item.read')).review().queue({ status: opts.status, limit });
        out(Boolean(opts.json), page, () => (page.cases.length ? page.cases.map(caseLine).join('\n') : 'no cases'));
      }),
    );

  review
    .command('show <caseId>')
    .description('One case: items, matches, every decision and the event history')
    .option('--agency <agency>', 'the agency (id or name)')
    .option('--as <email>', 'or: a user of the agency')
    .option('--json', 'machine-readable output')
    .action(async (caseId: string, opts: { agency?: string; as?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const detail = await (await readerActor(rt, opts, 'item.read')).review().getCase(caseId);
        out(Boolean(opts.json), detail, () =>
          [
            caseLine(detail.case),
            ...detail.items.map((i) => `  item ${i.id}  ${i.url ?? i.fileName ?? ''}  ${i.matches.length} match(es)`),
            ...detail.decisions.map((d) => `  decision ${decisionLine(d)}`),
          ].join('\n'),
        );
      }),
    );

  review
    .command('decide <caseId>')
    .description('Decide on a case on behalf of a user (a draft they can undo until its window closes, then published)')
    .addOption(new Option('--verdict <verdict>', 'the verdict').choices(VERDICTS).makeOptionMandatory())
    .option('--grounds <list>', `TCO Art. 2(7) grounds, comma-separated: ${GROUNDS.join(',')}`)
    .addOption(new Option('--exempt-purpose <purpose>', 'TCO Art. 1(3) purpose, with --verdict exempt').choices(EXEMPT_PURPOSES))
    .option('--reasons <text>', 'the reasons (required)')
    .addOption(new Option('--tier <tier>', 'severity tier').choices(TIERS))
    .option('--outlet <outletId>', 'attribute to an outlet of the registry')
    .option('--items <ids>', 'comma-separated item ids (default: every item of the case)')
    .option('--propose-order', 'propose a TCO removal order (needs a second user to approve)')
    .requiredOption('--as <email>', 'the reviewer')
    .option('--json', 'machine-readable output')
    .action(
      async (
        caseId: string,
        opts: { verdict: Verdict; grounds?: string; exemptPurpose?: ExemptPurpose; reasons?: string; tier?: Tier; outlet?: string; items?: string; proposeOrder?: boolean; as: string; json?: boolean },
      ) =>
        withRuntime(async (rt) => {
          const grounds = opts.grounds ? parseList<Ground>(opts.grounds, GROUNDS, 'ground', (v): v is Ground => (GROUNDS as readonly string[]).includes(v)) : undefined;
          const decision = await (await userActor(rt, opts.as, 'review.decide')).review().decide(caseId, {
            verdict: opts.verdict,
            exemptPurpose: opts.exemptPurpose,
            grounds,
            tier: opts.tier,
            reasons: opts.reasons ?? '',
            attribution: opts.outlet ? { outletId: opts.outlet } : undefined,
            itemIds: opts.items ? opts.items.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
            proposeOrder: Boolean(opts.proposeOrder),
          });
          out(Boolean(opts.json), { decision }, () => `${decisionLine(decision)}\nundo until ${new Date(decision.undoUntil).toISOString()}`);
        }),
    );

  for (const verb of ['approve', 'reject'] as const) {
    review
      .command(`${verb} <decisionId>`)
      .description(`${verb === 'approve' ? 'Approve' : 'Reject'} a proposed removal order on behalf of an approver (not its reviewer)`)
      .requiredOption('--as <email>', 'the approver')
      .option('--note <text>', 'a note for the record')
      .option('--json', 'machine-readable output')
      .action(async (decisionId: string, opts: { as: string; note?: string; json?: boolean }) =>
        withRuntime(async (rt) => {
          const svc = (await userActor(rt, opts.as, 'review.approve')).review();
          const note = opts.note?.trim() || null;
          const decision = verb === 'approve' ? await svc.approve(decisionId, note) : await svc.reject(decisionId, note);
          out(Boolean(opts.json), { decision }, () => decisionLine(decision));
        }),
      );
  }

  review
    .command('undo <decisionId>')
    .description('Take back a draft decision before its undo window closes (its reviewer only)')
    .requiredOption('--as <email>', 'the reviewer')
    .option('--json', 'machine-readable output')
    .action(async (decisionId: string, opts: { as: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const decision = await (await userActor(rt, opts.as, 'review.decide')).review().undo(decisionId);
        out(Boolean(opts.json), { decision }, () => decisionLine(decision));
      }),
    );
}
