import { describe, it, expect } from 'vitest';
import { itemPriority, matchPriority, PRIORITY_MAX, suppressionOf, TIER_PRIORITY, UNLABELLED_PRIORITY } from './match.model.ts';

describe('matchPriority', () => {
  it('scores by tier, less half the distance', () => {
    expect(matchPriority({ tier: 'threat_to_life', distance: 0, suppressed: false })).toBe(100);
    expect(matchPriority({ tier: 'crisis', distance: 0, suppressed: false })).toBe(80);
    expect(matchPriority({ tier: 'designated_entity', distance: 10, suppressed: false })).toBe(55);
    expect(matchPriority({ tier: 'promotional', distance: 31, suppressed: false })).toBe(TIER_PRIORITY.promotional - 15);
    expect(matchPriority({ tier: null, distance: 0, suppressed: false })).toBe(UNLABELLED_PRIORITY);
  });

  it('gives a suppressed match nothing and any other match at least 1', () => {
    expect(matchPriority({ tier: 'threat_to_life', distance: 0, suppressed: true })).toBe(0);
    expect(matchPriority({ tier: null, distance: 63, suppressed: false })).toBe(1);
    expect(matchPriority({ tier: 'threat_to_life', distance: -5, suppressed: false })).toBe(PRIORITY_MAX);
  });

  it('ranks a closer copy of the same tier higher, and a graver tier above a closer lesser one', () => {
    expect(matchPriority({ tier: 'crisis', distance: 2, suppressed: false })).toBeGreaterThan(matchPriority({ tier: 'crisis', distance: 20, suppressed: false }));
    expect(matchPriority({ tier: 'threat_to_life', distance: 30, suppressed: false })).toBeGreaterThan(matchPriority({ tier: 'promotional', distance: 0, suppressed: false }));
  });
});

describe('itemPriority', () => {
  it('is the best single match, 0 without any', () => {
    expect(itemPriority([])).toBe(0);
    expect(
      itemPriority([
        { tier: 'promotional', distance: 0, suppressed: false },
        { tier: 'crisis', distance: 4, suppressed: false },
        { tier: 'threat_to_life', distance: 0, suppressed: true },
      ]),
    ).toBe(78);
  });
});

describe('suppressionOf', () => {
  it('suppresses every hit of a capture once one hit is on a negative bank', () => {
    expect(suppressionOf([{ bankKind: 'positive' }, { bankKind: 'positive' }])).toEqual([false, false]);
    expect(suppressionOf([{ bankKind: 'positive' }, { bankKind: 'negative' }])).toEqual([true, true]);
    expect(suppressionOf([])).toEqual([]);
  });
});
