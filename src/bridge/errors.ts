/**
 * The bridge's error catalogue: every failure the CMS API can answer, mapped to its HTTP status and
 * `<failureDetails>` body. Handlers throw these; one error handler writes them.
 *
 * Choices where the CMS material is UNCERTAIN (see docs/cms-compatibility.md):
 * - 404 when the object named by the URL path does not exist; 400 for everything else
 *   (bad parameters, references to missing objects inside parameters, duplicates, limits).
 * - Unknown paths carry both spellings, `<unrecognisedObject/>` (what clients in the wild match) and
 *   `<unrecognizedObject/>` (what Cisco's document prints), so either check succeeds.
 */
import { ServiceError } from '../shared/http/errors.ts';

export type ParameterErrorKind =
  | 'invalidValue'
  | 'valueTooLong'
  | 'unrecognisedParameter'
  | 'missingParameter'
  | 'readOnlyParameter'
  | 'duplicateParameter';

/**
 * A CMS API failure: `code` is the reasons joined by commas, `field` the parameter at fault. The wire
 * format is the `<failureDetails>` document (`api/failureDetails.ts`).
 */
export class BridgeError extends ServiceError {
  readonly reasons: readonly string[];
  readonly parameter: { readonly name: string; readonly error: ParameterErrorKind } | undefined;

  constructor(
    status: number,
    reasons: readonly string[],
    parameter?: { name: string; error: ParameterErrorKind },
  ) {
    super(status, reasons.join(','), parameter ? `${reasons.join(',')}: ${parameter.name} ${parameter.error}` : reasons.join(','), {
      field: parameter?.name,
      details: parameter,
    });
    this.name = 'BridgeError';
    this.reasons = reasons;
    this.parameter = parameter;
  }
}

/** Reason names for objects that do not exist, keyed by collection (lower-case path segment). */
export type DoesNotExistReason = `${string}DoesNotExist`;

export const bridgeErrors = {
  /** The object the URL path names does not exist. */
  notFound: (reason: DoesNotExistReason) => new BridgeError(404, [reason]),
  /** A parameter refers to an object that does not exist. */
  referenceNotFound: (reason: DoesNotExistReason) => new BridgeError(400, [reason]),
  unrecognizedObject: () => new BridgeError(404, ['unrecognisedObject', 'unrecognizedObject']),
  parameterError: (name: string, error: ParameterErrorKind = 'invalidValue') =>
    new BridgeError(400, ['parameterError'], { name, error }),
  /** duplicateCoSpaceUri, duplicateCoSpaceId, duplicateCallBridgeName, ... */
  duplicate: (reason: `duplicate${string}`) => new BridgeError(400, [reason]),
  invalidOperation: () => new BridgeError(400, ['invalidOperation']),
  /** Limits and other refusals named by CMS: tooManyCdrReceivers, participantLimitReached, ... */
  refused: (reason: string) => new BridgeError(400, [reason]),
  methodNotAllowed: () => new BridgeError(405, ['invalidOperation']),
  databaseNotReady: () => new BridgeError(503, ['databaseNotReady']),
} as const;

/**
 * The simulator's failures (`/sim/v1`, not a CMS API): written as `{"error": message}` with the
 * status.
 */
export type SimErrorCode = 'invalidRequest' | 'notFound' | 'unauthorized' | 'internal';

export class SimError extends ServiceError<SimErrorCode> {
  constructor(status: number, code: SimErrorCode, message: string) {
    super(status, code, message);
    this.name = 'SimError';
  }
}

export const simErrors = {
  invalidRequest: (message: string) => new SimError(400, 'invalidRequest', message),
  notFound: (what: string) => new SimError(404, 'notFound', `no such ${what}`),
  internal: () => new SimError(500, 'internal', 'internal error'),
} as const;
