/**
 * `vigil outlet list|show|create|seed`: the instance's outlet registry from the command line.
 * The registry is shared by every agency; a change is audited in the log of the agency the CLI
 * acts for: the operator agency unless `--agency` names another.
 */
import { Option, type Command } from 'commander';
import { agencyActor, findAgency, out, UsageError, withRuntime } from './cli-common.ts';
import type { Runtime } from './runtime.ts';
import { channelLabel, isChannelKind, nameKey, OUTLET_IDEOLOGIES, type Outlet, type OutletIdeology } from '../domains/outlet/outlet.model.ts';
import type { ChannelInput } from '../domains/outlet/outlet.service.ts';

async function outletServices(rt: Runtime, agencyRef: string | undefined) {
  const agency = agencyRef ? await findAgency(rt, agencyRef) : await rt.platform.agencies.findOperator();
  if (!agency) throw new UsageError('no operator agency yet: run vigil setup, or name an agency with --agency');
  return agencyActor(rt, agency.id).outlets();
}

/** `kind:value` (telegram:@name, domain:example.org) or a URL, whose host says the kind. */
function parseChannelOption(raw: string): ChannelInput {
  const m = /^([a-z_]+):(?!\/\/)(.+)$/.exec(raw);
  if (m && isChannelKind(m[1]!)) return { kind: m[1]!, value: m[2]! };
  if (m && !/^https?$/.test(m[1]!)) throw new UsageError(`--channel ${raw}: "${m[1]}" is not a channel kind`);
  return { kind: null, value: raw };
}

function describe(o: Outlet): string {
  return [
    `${o.name}${o.archivedAt !== null ? ' (archived)' : ''}`,
    `  id:           ${o.id}`,
    `  aliases:      ${o.aliases.join(', ') || '-'}`,
    `  parent group: ${o.parentGroup ?? '-'}`,
    `  ideology:     ${o.ideology ?? '-'}`,
    `  seeded:       ${o.seedKey ? `yes (${o.seedKey})${o.editedAt !== null ? ', edited since' : ''}` : 'no'}`,
    `  channels:     ${o.channels.length ? o.channels.map((c) => `${c.kind} ${channelLabel(c.kind, c.value)}`).join('\n                ') : '-'}`,
    ...(o.notes ? [`  notes:        ${o.notes}`] : []),
  ].join('\n');
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerOutletCommands(program: Command): void {
  const outlet = program.command('outlet').description('The outlet registry (outlets, aliases, parent groups, ideologies, known channels), shared by all agencies');
  const agencyOption = () => new Option('--agency <agency>', 'act (and be audited) as this agency, by id or name; default: the operator agency');

  outlet
    .command('list')
    .description('List outlets by name')
    .option('--archived', 'include archived outlets')
    .addOption(agencyOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: { archived?: boolean; agency?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const list = await (await outletServices(rt, opts.agency)).list({ includeArchived: Boolean(opts.archived) });
        out(Boolean(opts.json), list, () =>
          list.length ? list.map((o) => `${o.id}  ${o.name}${o.archivedAt !== null ? ' (archived)' : ''}  [${o.parentGroup ?? '-'}; ${o.channels.length} channel${o.channels.length === 1 ? '' : 's'}]`).join('\n') : 'no outlets (vigil outlet seed adds the reference ones)',
        );
      }),
    );

  outlet
    .command('show')
    .description('Show one outlet, by id, name or alias')
    .argument('<outlet>', 'id, name or alias')
    .addOption(agencyOption())
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { agency?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const all = await (await outletServices(rt, opts.agency)).list({ includeArchived: true });
        const key = nameKey(ref);
        const found = all.find((o) => o.id === ref) ?? all.find((o) => nameKey(o.name) === key) ?? all.find((o) => o.aliases.some((a) => nameKey(a) === key));
        if (!found) throw new UsageError(`no outlet with id, name or alias "${ref}" (see vigil outlet list)`);
        out(Boolean(opts.json), found, () => describe(found));
      }),
    );

  outlet
    .command('create')
    .description('Add an outlet with its aliases, parent group, ideology and known channels')
    .requiredOption('--name <name>', 'the outlet’s name')
    .option('--alias <alias>', 'another name or spelling (repeatable)', collect, [])
    .option('--group <group>', 'parent group')
    .addOption(new Option('--ideology <ideology>', 'ideology').choices(OUTLET_IDEOLOGIES))
    .option('--notes <text>', 'notes')
    .option('--channel <channel>', 'a known channel: kind:value (telegram:@name, domain:example.org, onion:….onion) or a URL (repeatable)', collect, [])
    .addOption(agencyOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: { name: string; alias: string[]; group?: string; ideology?: OutletIdeology; notes?: string; channel: string[]; agency?: string; json?: boolean }) => {
      const channels = opts.channel.map(parseChannelOption);
      await withRuntime(async (rt) => {
        const created = await (await outletServices(rt, opts.agency)).create({
          name: opts.name,
          aliases: opts.alias,
          parentGroup: opts.group ?? null,
          ideology: opts.ideology ?? null,
          ...(opts.notes !== undefined ? { notes: opts.notes } : {}),
          channels,
        });
        out(Boolean(opts.json), created, () => describe(created));
      });
    });

  outlet
    .command('seed')
    .description('Add the reference outlets (Amaq, Nashir, Al-Azaim, …) that are missing, and update seeded ones nobody edited; edited outlets are never overwritten')
    .addOption(agencyOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const report = await (await outletServices(rt, opts.agency)).seed();
        out(Boolean(opts.json), report, () =>
          [
            `created:               ${report.created.join(', ') || '-'}`,
            `updated (not edited):  ${report.refreshed.join(', ') || '-'}`,
            `kept (edited):         ${report.keptEdited.join(', ') || '-'}`,
            `skipped (name in use): ${report.skippedNameTaken.join(', ') || '-'}`,
          ].join('\n'),
        );
      }),
    );
}
