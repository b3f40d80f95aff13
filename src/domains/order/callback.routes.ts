/**
 * Signed callbacks from providers: `POST /api/v1/callbacks/providers/:providerId`, signed with the
 * provider's shared webhook secret in the same scheme Vigil signs its own webhooks with
 * (adapters/webhook/webhook-signature.ts: HMAC-SHA256 over "<timestamp>.<raw body>", a tolerance
 * window, a delivery id). Each accepted delivery id is stored, so a replay is refused; a refused
 * answer releases its id again, so that it changes nothing.
 *
 * One handler per `subject` (a removal order, a referral), each a member of the body union.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { errorResponses, Uuid } from '../../app/http/schemas.ts';
import type { Platform } from '../../app/platform.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, WEBHOOK_TOLERANCE_MS } from '../../adapters/webhook/webhook-signature.ts';
import { createProviderRepository } from '../provider/provider.repository.ts';
import type { Provider } from '../provider/provider.model.ts';
import { createCallbackReceipts, createProviderOrderLookup } from './order.repository.ts';
import { CallbackAnswer } from './order.routes.ts';
import type { ProviderAnswer } from './order.service.ts';
import { ITEM_OUTCOMES, REFERRAL_NOTE_MAX } from '../referral/referral.model.ts';

/** How far a callback's timestamp may be from our clock, either way. */
export const CALLBACK_TOLERANCE_MS = WEBHOOK_TOLERANCE_MS;

const OrderCallback = Type.Object(
  {
    subject: Type.Literal('order'),
    orderId: Type.Optional(Uuid),
    referenceNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    answer: CallbackAnswer,
  },
  { additionalProperties: false, description: 'An answer to a removal order, named by orderId or by the issuer’s referenceNumber' },
);

const ReferralCallback = Type.Object(
  {
    subject: Type.Literal('referral'),
    referralId: Uuid,
    answer: Type.Union([
      Type.Object({ type: Type.Literal('acknowledge') }, { additionalProperties: false }),
      Type.Object(
        {
          type: Type.Literal('outcome'),
          itemId: Uuid,
          outcome: Type.Union(ITEM_OUTCOMES.map((o) => Type.Literal(o))),
          reason: Type.Optional(Type.String({ maxLength: REFERRAL_NOTE_MAX, description: 'Required when declined' })),
          actionAt: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms of the removal or disabling; default now. Not for declined.' })),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false, description: 'An answer to a referral: acknowledge it, or give one item’s outcome' },
);

const CallbackBody = Type.Union([OrderCallback, ReferralCallback]);
type CallbackBodyOf<S extends string> = Extract<Static<typeof CallbackBody>, { subject: S }>;

interface CallbackContext {
  platform: Platform;
  provider: Provider;
  deliveryId: string;
  request: FastifyRequest;
}

const CallbackResult = Type.Object({ subject: Type.String(), id: Uuid, status: Type.String(), receivedAt: Type.Union([Type.Integer(), Type.Null()]) });

/** One handler per subject; each finds its target among the provider's own and records the answer. */
export const CALLBACK_SUBJECTS: { [S in Static<typeof CallbackBody>['subject']]: (ctx: CallbackContext, body: CallbackBodyOf<S>) => Promise<Static<typeof CallbackResult>> } = {
  async order(ctx, body) {
    if ((body.orderId === undefined) === (body.referenceNumber === undefined)) throw new VigilError('VIGIL_VALIDATION_FAILED', 'Name the order by orderId or by referenceNumber, one of the two.');
    const found = await createProviderOrderLookup(ctx.platform.db, ctx.provider.id).find(body.orderId !== undefined ? { orderId: body.orderId } : { referenceNumber: body.referenceNumber! });
    if (found.length === 0) throw new VigilError('VIGIL_NOT_FOUND', 'No issued order to your service by that id or reference number.');
    if (found.length > 1) throw new VigilError('VIGIL_CONFLICT', 'Several authorities issued orders to you with that reference number; name the order by orderId.');
    const o = found[0]!;
    const services = ctx.platform.agencyServices(o.agencyId, { agencyId: o.agencyId, userId: null, actor: `provider:${ctx.provider.name}`, clientIp: ctx.request.ip, requestId: ctx.request.id });
    const d = await services.orders().answer(o.id, body.answer as ProviderAnswer, { channel: 'callback', deliveryId: ctx.deliveryId });
    return { subject: 'order', id: o.id, status: d.state.status, receivedAt: d.state.receivedAt };
  },
  async referral(ctx, body) {
    const a = body.answer;
    const answer = a.type === 'acknowledge' ? ({ kind: 'acknowledge' } as const) : { kind: 'outcome' as const, itemId: a.itemId, outcome: a.outcome, reason: a.reason ?? null, actionAt: a.actionAt ?? null };
    const r = await ctx.platform.referralAnswersOf(ctx.provider.id).answer(body.referralId, answer);
    return { subject: 'referral', id: r.referral.id, status: r.referral.state, receivedAt: r.referral.acknowledgedAt };
  },
};

export function callbackRoutes(platform: Platform): FastifyPluginAsyncTypebox {
  return async (app) => {
    const raw = new WeakMap<FastifyRequest, string>();
    const deliveries = new WeakMap<FastifyRequest, string>();
    const receipts = createCallbackReceipts(platform.db);
    // The signature covers the body exactly as sent: keep the raw text beside the parsed value.
    // Unparsable JSON is passed on as text, so the signature is checked first and the shape after.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      raw.set(request, body as string);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(null, body);
      }
    });

    app.post(
      '/callbacks/providers/:providerId',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['callbacks'],
          summary: 'A provider’s signed answer to a removal order (acknowledge, Annex II, Annex III, scrutiny request, reinstated) or to a referral (acknowledge, an item’s outcome)',
          description: `Signed with the provider's webhook secret: ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">, ${TIMESTAMP_HEADER}: <unix seconds> (within ${CALLBACK_TOLERANCE_MS / 1000} s), ${DELIVERY_HEADER}: <unique id>. A delivery id is accepted once.`,
          security: [],
          params: Type.Object({ providerId: Uuid }),
          body: CallbackBody,
          response: { 200: CallbackResult, ...errorResponses(400, 401, 404, 409) },
        },
        preValidation: async (request) => {
          const { providerId } = request.params as { providerId: string };
          // An unknown provider and a wrong secret look the same to the caller.
          const secret = (await createProviderRepository(platform.db).webhookSecret(providerId)) ?? '';
          const r = secret
            ? await verifyWebhookSignature({
                secret,
                body: raw.get(request) ?? '',
                headers: request.headers,
                now: platform.clock.now(),
                toleranceMs: CALLBACK_TOLERANCE_MS,
                // Only looked up here; the id is stored once the answer is accepted.
                replayCache: { claim: async (id) => !(await receipts.seen(providerId, id)) },
              })
            : ({ ok: false, problem: 'bad_signature', reason: 'the provider has no webhook secret' } as const);
          if (!r.ok) {
            if (r.problem === 'replayed') throw new VigilError('VIGIL_CALLBACK_REPLAYED', `The callback was already received: ${r.reason}.`);
            throw new VigilError('VIGIL_CALLBACK_SIGNATURE_INVALID', `The callback is refused: ${r.reason}.`, { problem: r.problem });
          }
          deliveries.set(request, r.deliveryId);
        },
      },
      async (request) => {
        const deliveryId = deliveries.get(request)!;
        const provider = (await createProviderRepository(platform.db).get(request.params.providerId))!;
        const claimed = await receipts.claim({ id: platform.ids.next(), providerId: provider.id, deliveryId, signature: String(request.headers[SIGNATURE_HEADER]), at: platform.clock.now() });
        if (!claimed) throw new VigilError('VIGIL_CALLBACK_REPLAYED', `Delivery ${deliveryId} was already received.`);
        const body = request.body;
        try {
          const ctx = { platform, provider, deliveryId, request };
          return await (body.subject === 'order' ? CALLBACK_SUBJECTS.order(ctx, body) : CALLBACK_SUBJECTS.referral(ctx, body));
        } catch (e) {
          await receipts.release(provider.id, deliveryId);
          throw e;
        }
      },
    );
  };
}
