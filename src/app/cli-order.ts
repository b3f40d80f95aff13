/**
 * `vigil order`: an agency's removal orders from scripts — list, one order with its clock and
 * timeline, approval on behalf of a named user (four eyes as in the API), and the issued document
 * (the signed JSON or the PDF) written to a file.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { agencyActor, findAgency, out, parseLimit, userActor, withRuntime } from './cli-common.ts';
import { STORED_ORDER_STATUSES, type StoredOrderStatus } from '../domains/order/order.model.ts';
import { ORDER_PAGE_MAX } from '../domains/order/order.routes.ts';
import type { OrderDetail } from '../domains/order/order.service.ts';
import type { StoredOrder } from '../domains/order/order.repository.ts';

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
const orderLine = (o: StoredOrder) => `${o.id}  ${o.status.padEnd(9)}  ${o.referenceNumber}  ${o.annexI.addressee.providerName}  ${o.itemIds.length} item(s)${o.annexI.emergency.declared ? '  EMERGENCY' : ''}`;

function detailText(d: OrderDetail): string {
  return [
    orderLine(d.order),
    `  issued ${iso(d.order.issuedAt)}  received ${iso(d.order.receivedAt)}  final ${iso(d.order.finalAt)}`,
    `  deadline ${iso(d.clock.deadline)}  escalate ${iso(d.clock.escalateAt)}  breached ${iso(d.clock.breachedAt)}  executed in ${d.clock.executedInMs === null ? '-' : `${Math.round(d.clock.executedInMs / 1000)} s`}`,
    ...d.events.map((e) => `  ${String(e.seq).padStart(3)}  ${iso(e.at)}  ${e.type.padEnd(23)}  ${e.actor}`),
  ].join('\n');
}

export function registerOrderCommands(program: Command): void {
  const order = program.command('order').description('TCO removal orders of an authority agency');

  order
    .command('list')
    .description('The agency’s orders, newest first')
    .requiredOption('--agency <agency>', 'the agency (id or name)')
    .addOption(new Option('--status <status>', 'only orders in this status').choices([...STORED_ORDER_STATUSES]))
    .option('--limit <n>', `at most this many (1 to ${ORDER_PAGE_MAX})`, '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency: string; status?: StoredOrderStatus; limit: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const limit = parseLimit(opts.limit, ORDER_PAGE_MAX);
        const list = await agencyActor(rt, (await findAgency(rt, opts.agency)).id).orders().list({ limit, ...(opts.status ? { status: opts.status } : {}) });
        out(Boolean(opts.json), { orders: list }, () => (list.length ? list.map((r) => orderLine(r.order)).join('\n') : 'no orders'));
      }),
    );

  order
    .command('show <orderId>')
    .description('One order: Annex I, the clock now, and its timeline')
    .requiredOption('--agency <agency>', 'the agency (id or name)')
    .option('--json', 'machine-readable output')
    .action(async (orderId: string, opts: { agency: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await agencyActor(rt, (await findAgency(rt, opts.agency)).id).orders().get(orderId);
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );

  order
    .command('approve <orderId>')
    .description('Approve and so issue an order on behalf of a user who is not its proposer (four eyes)')
    .requiredOption('--as <email>', 'the approving user (needs review.approve)')
    .option('--note <text>', 'a note kept with the approval')
    .option('--json', 'machine-readable output')
    .action(async (orderId: string, opts: { as: string; note?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await (await userActor(rt, opts.as, 'review.approve')).orders().approve(orderId, opts.note?.trim() || null);
        out(Boolean(opts.json), d, () => detailText(d));
      }),
    );

  order
    .command('document <orderId>')
    .description('Write the issued document to a file: the signed JSON (default) or the PDF (the read is audited)')
    .requiredOption('--agency <agency>', 'the agency (id or name)')
    .requiredOption('--out <file>', 'where to write it')
    .option('--pdf', 'the PDF instead of the JSON document')
    .action(async (orderId: string, opts: { agency: string; out: string; pdf?: boolean }) =>
      withRuntime(async (rt) => {
        const { stream, sha256 } = await agencyActor(rt, (await findAgency(rt, opts.agency)).id).orders().document(orderId, opts.pdf ? 'pdf' : 'json');
        const chunks: Buffer[] = [];
        for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
        writeFileSync(opts.out, Buffer.concat(chunks));
        process.stdout.write(`wrote ${opts.out} (sha256:${sha256})\n`);
      }),
    );
}
