/** Shared pieces of the referral and complaint suites: URL items the issuer's review found to be terrorist content. */
import type { Actor, TestApp } from '../app.ts';
import { servicesOf } from '../intake/helpers.ts';
import { ok } from '../review/helpers.ts';

/**
 * A URL item of the actor's agency in a review case with a published decision. The capture job is
 * dropped: the synthetic hosts do not exist, and the referral needs only the item and its review.
 */
export async function decidedUrl(t: TestApp, actor: Actor, url: string, verdict = 'terrorist_content', grounds = ['a']): Promise<string> {
  const { item } = await ok<{ item: { id: string } }>(await t.as(actor, 'POST', '/api/v1/items', { url }), 201);
  await t.db.db.deleteFrom('job').where('name', '=', 'capture.fetch').execute();
  const { caseId } = await servicesOf(t.platform, actor.agency.id).review().assignItem(item.id);
  const body = verdict === 'terrorist_content' ? { verdict, grounds, reasons: `Synthetic reasons for ${url}.` } : verdict === 'exempt' ? { verdict, exemptPurpose: 'research', reasons: 'Synthetic research copy.' } : { verdict, reasons: 'Synthetic.' };
  await ok(await t.as(actor, 'POST', `/api/v1/review/cases/${caseId}/decisions`, body), 201);
  return item.id;
}
