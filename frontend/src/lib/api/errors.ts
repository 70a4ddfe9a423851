/**
 * The API's one error shape, `{"error": {code, message, details}}`, as a thrown value.
 * Validation errors (`validation_error`) list `details.errors[]` with `loc` and `msg`;
 * `fieldErrors` turns those into messages per form field (see use-api-errors.ts for the
 * page's language).
 */

export type ValidationIssue = { loc: (string | number)[]; msg: string; type?: string };

export type ErrorBody = {
  error: { code: string; message: string; details?: { errors?: ValidationIssue[] } & Record<string, unknown> };
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get issues(): ValidationIssue[] {
    const errors = this.details.errors;
    return Array.isArray(errors) ? (errors as ValidationIssue[]) : [];
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

/** Build an ApiError from a failed response's status and parsed body (whatever it holds). */
export function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(status, body.error.code, body.error.message, body.error.details ?? {});
  }
  return new ApiError(status, `http_${status}`, `The server answered ${status}.`);
}

/**
 * Validation messages keyed by field path, without the leading `body`/`query` segment:
 * `["body", "model_config", "temperature"]` becomes `model_config.temperature`.
 * Issues that name no field (a model-level check) are keyed `_`.
 */
export function fieldErrors(
  error: unknown,
  localize: (issue: ValidationIssue) => string | undefined = () => undefined,
): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const result: Record<string, string> = {};
  for (const issue of error.issues) {
    const loc = issue.loc[0] === "body" || issue.loc[0] === "query" ? issue.loc.slice(1) : issue.loc;
    const key = loc.length > 0 ? loc.join(".") : "_";
    result[key] ??= localize(issue) ?? issue.msg;
  }
  return result;
}

/** A sentence for a person: the API's message, or the fallback for network and unknown errors. */
export function describeError(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return fallback; // fetch failed: offline or the server is down
  return fallback;
}
