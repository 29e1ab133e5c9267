/**
 * The message of anything thrown, for the one-line texts the app shows (an `Error`'s message, else the
 * value as text). Every layer uses this one helper; it lives in the lowest layer so all can import it.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
