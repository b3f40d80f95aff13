import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { JobQueue } from '../../adapters/queue/job-queue.ts';
import type { JobView as Job } from '../../adapters/queue/job-types.ts';
import { JOB_STATES } from './job.model.ts';

const JobState = Type.Union(JOB_STATES.map((s) => Type.Literal(s)));

export const JobView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    state: JobState,
    agencyId: Nullable(Uuid),
    priority: Type.Integer(),
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    runAt: EpochMs,
    createdAt: EpochMs,
    updatedAt: EpochMs,
    finishedAt: Nullable(EpochMs),
    lastError: Nullable(Type.String()),
  },
  { $id: 'Job' },
);

const Counts = Type.Object(Object.fromEntries(JOB_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<(typeof JOB_STATES)[number], ReturnType<typeof Type.Integer>>);

function toJobView(j: Job) {
  return { id: j.id, name: j.name, state: j.state, agencyId: j.agencyId, priority: j.priority, attempts: j.attempts, maxAttempts: j.maxAttempts, runAt: j.runAt, createdAt: j.createdAt, updatedAt: j.updatedAt, finishedAt: j.finishedAt, lastError: j.lastError };
}

/** Agencies see their own jobs; the instance operator also sees instance-wide jobs (no agency). */
function jobScope(request: FastifyRequest): { agencyId: string; includeInstance: boolean } {
  const scope = requireScope(request);
  return { agencyId: scope.agencyId, includeInstance: scope.principal.permissions.has('instance.manage') };
}

export function jobRoutes(queue: JobQueue): FastifyPluginAsyncTypebox {
  async function visibleJob(request: FastifyRequest, jobId: string): Promise<Job> {
    const { agencyId, includeInstance } = jobScope(request);
    const job = (await queue.get(jobId, agencyId)) ?? (includeInstance ? await queue.get(jobId, null) : null);
    if (!job) throw new VigilError('VIGIL_NOT_FOUND', `No job ${jobId}.`);
    return job;
  }

  return async (app) => {

    app.get(
      '/jobs',
      {
        config: { auth: { permission: 'job.read' } },
        schema: {
          tags: ['jobs'],
          summary: 'Background jobs, newest first, with counts per state',
          querystring: Type.Object(
            { state: Type.Optional(JobState), name: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ jobs: Type.Array(Type.Ref('Job')), counts: Counts }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { agencyId, includeInstance } = jobScope(request);
        const q = { ...(request.query.state ? { state: request.query.state } : {}), ...(request.query.name ? { name: request.query.name } : {}), limit: request.query.limit ?? 100 };
        const own = await queue.list({ agencyId, ...q });
        const instance = includeInstance ? await queue.list({ agencyId: null, ...q }) : [];
        const jobs = [...own, ...instance].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, q.limit);
        const counts = await queue.counts(agencyId);
        if (includeInstance) {
          const instanceCounts = await queue.counts(null);
          for (const s of JOB_STATES) counts[s] += instanceCounts[s];
        }
        return { jobs: jobs.map(toJobView), counts };
      },
    );

    app.get(
      '/jobs/:jobId',
      {
        config: { auth: { permission: 'job.read' } },
        schema: { tags: ['jobs'], summary: 'One job', params: Type.Object({ jobId: Uuid }), response: { 200: Type.Ref('Job'), ...errorResponses(400, 401, 403, 404) } },
      },
      async (request) => toJobView(await visibleJob(request, request.params.jobId)),
    );

    app.post(
      '/jobs/:jobId/retry',
      {
        config: { auth: { permission: 'job.manage' } },
        schema: { tags: ['jobs'], summary: 'Run a dead or cancelled job again', params: Type.Object({ jobId: Uuid }), response: { 200: Type.Ref('Job'), ...errorResponses(400, 401, 403, 404, 409) } },
      },
      async (request) => {
        const job = await visibleJob(request, request.params.jobId);
        if (job.state !== 'dead' && job.state !== 'cancelled') throw new VigilError('VIGIL_JOB_NOT_RETRYABLE', `Job ${job.id} is ${job.state}; only dead or cancelled jobs can be retried.`);
        await queue.retryDead(job.id);
        await requireScope(request).audit.record({ action: 'job.retry', targetType: 'job', targetId: job.id, detail: { name: job.name } });
        return toJobView(await visibleJob(request, job.id));
      },
    );
  };
}
