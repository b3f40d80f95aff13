/**
 * The handler table, checked once at startup: every declared job has exactly one handler and no
 * handler serves a job nobody declared. A mismatch is a deployment bug, so it stops the process
 * instead of leaving jobs queued forever.
 */
import { JOB_NAMES, type AnyJobHandler, type JobEntry, type JobPayloads } from './job-types.ts';

/** `'<domain>.<verb>'`, lower case, words joined by hyphens. */
const JOB_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface JobRegistry {
  /** The declared names, in declaration order. */
  readonly names: readonly string[];
  /** undefined for a name this process has no handler for (a job enqueued by a newer version). */
  get(name: string): AnyJobHandler | undefined;
}

/**
 * @example
 * const registry = createJobRegistry([
 *   ['session.purge', async () => ({ kind: 'done', result: { removed: await purge() } })],
 *   ['blob.verify', verifyBlobs],
 * ]);
 */
export function createJobRegistry<P extends object = JobPayloads>(
  entries: ReadonlyArray<JobEntry<P>>,
  declared: readonly string[] = JOB_NAMES,
): JobRegistry {
  const problems: string[] = [];
  const declaredSet = new Set(declared);
  for (const name of declaredSet) {
    if (!JOB_NAME_PATTERN.test(name)) problems.push(`job "${name}" is not named '<domain>.<verb>' (lower case, hyphens between words)`);
  }
  const handlers = new Map<string, AnyJobHandler>();
  for (const [name, handler] of entries) {
    if (handlers.has(name)) problems.push(`job "${name}" has two handlers; it must have exactly one`);
    else if (!declaredSet.has(name)) problems.push(`a handler is registered for job "${name}", which is not declared in JobPayloads / JOB_NAMES`);
    handlers.set(name, handler);
  }
  for (const name of declaredSet) {
    if (!handlers.has(name)) problems.push(`job "${name}" has no handler`);
  }
  if (problems.length > 0) throw new Error(`Invalid job registry:\n- ${problems.join('\n- ')}`);
  return { names: [...declaredSet], get: (name) => handlers.get(name) };
}
