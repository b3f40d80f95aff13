import { describe, expect, it } from 'vitest';
import { COMPLAINT_OUTCOME_MS, complaintDueAt } from '../order/order.model.ts';
import { COMPLAINT_REASONS_MAX, COMPLAINT_TEXT_MAX, decideComplaint, isOverdue, newComplaintProblem } from './complaint.model.ts';

const NOW = Date.UTC(2026, 2, 1, 12);

describe('complaints', () => {
  it('records a complaint received after the removal and not in the future', () => {
    expect(newComplaintProblem({ text: 'My post was satire.', receivedAt: NOW, removedAt: NOW - 1 }, NOW)).toBeNull();
    expect(newComplaintProblem({ text: 'x', receivedAt: NOW, removedAt: null }, NOW)).toBeNull();
    expect(newComplaintProblem({ text: '  ', receivedAt: NOW, removedAt: null }, NOW)).toContain('needs its text');
    expect(newComplaintProblem({ text: 'x'.repeat(COMPLAINT_TEXT_MAX + 1), receivedAt: NOW, removedAt: null }, NOW)).toContain('longer than');
    expect(newComplaintProblem({ text: 'x', receivedAt: NOW + 1, removedAt: null }, NOW)).toContain('future');
    expect(newComplaintProblem({ text: 'x', receivedAt: NOW - 2, removedAt: NOW - 1 }, NOW)).toContain('before the removal');
  });

  it('is due two weeks after receipt and overdue only while open past that', () => {
    const dueAt = complaintDueAt(NOW);
    expect(dueAt).toBe(NOW + COMPLAINT_OUTCOME_MS);
    expect(isOverdue({ state: 'open', dueAt }, dueAt)).toBe(false);
    expect(isOverdue({ state: 'open', dueAt }, dueAt + 1)).toBe(true);
    expect(isOverdue({ state: 'upheld', dueAt }, dueAt + 1)).toBe(false);
    expect(isOverdue({ state: 'reinstated', dueAt }, dueAt + 1)).toBe(false);
  });

  it('decides once, with reasons; a reinstatement carries its time', () => {
    const open = { state: 'open' as const, receivedAt: NOW - 1000 };
    expect(decideComplaint(open, { outcome: 'upheld', reasons: ' Glorifies an attack. ' }, NOW)).toEqual({ ok: true, state: 'upheld', reasons: 'Glorifies an attack.', reinstatedAt: null });
    expect(decideComplaint(open, { outcome: 'reinstated', reasons: 'News reporting.' }, NOW)).toEqual({ ok: true, state: 'reinstated', reasons: 'News reporting.', reinstatedAt: NOW });
    expect(decideComplaint(open, { outcome: 'reinstated', reasons: 'News reporting.', reinstatedAt: NOW - 10 }, NOW)).toMatchObject({ ok: true, reinstatedAt: NOW - 10 });
    const code = (r: ReturnType<typeof decideComplaint>) => (r.ok ? 'ok' : r.code);
    expect(code(decideComplaint({ ...open, state: 'upheld' }, { outcome: 'reinstated', reasons: 'x' }, NOW))).toBe('VIGIL_COMPLAINT_DECIDED');
    expect(code(decideComplaint(open, { outcome: 'upheld', reasons: '  ' }, NOW))).toBe('VIGIL_COMPLAINT_DECISION_INVALID');
    expect(code(decideComplaint(open, { outcome: 'upheld', reasons: 'x'.repeat(COMPLAINT_REASONS_MAX + 1) }, NOW))).toBe('VIGIL_COMPLAINT_DECISION_INVALID');
    expect(code(decideComplaint(open, { outcome: 'upheld', reasons: 'x', reinstatedAt: NOW }, NOW))).toBe('VIGIL_COMPLAINT_DECISION_INVALID');
    expect(code(decideComplaint(open, { outcome: 'reinstated', reasons: 'x', reinstatedAt: NOW + 1 }, NOW))).toBe('VIGIL_COMPLAINT_DECISION_INVALID');
    expect(code(decideComplaint(open, { outcome: 'reinstated', reasons: 'x', reinstatedAt: NOW - 1001 }, NOW))).toBe('VIGIL_COMPLAINT_DECISION_INVALID');
  });
});
