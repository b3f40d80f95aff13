/** TypeBox pieces shared by every route: ids, times, the error body. */
import { Type } from 'typebox';

export const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'UUIDv7' });
export const EpochMs = Type.Integer({ minimum: 0, description: 'Epoch milliseconds' });
/** One of the strings of an `as const` list, as a union of literals (so OpenAPI lists them as an enum). */
export const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable VIGIL_… code, see docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
    requestId: Type.String(),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

const errorRef = Type.Ref('ErrorBody');

/** The error responses every authenticated route can give, for OpenAPI. */
export const authErrors = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  429: errorRef,
} as const;

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorRef]));
