import { v7 } from 'uuid';
import type { Ids } from '../../domains/ports.ts';

export const uuidIds: Ids = { next: () => v7() };
