import { MotifsErrorValidation } from '../errors.js';

/** A validation error for the option at dotted `path` (e.g. `kafka.retry.attempts`). */
export function invalidOption(path: string, message: string): MotifsErrorValidation {
  return new MotifsErrorValidation(`${path} ${message}`, { issues: [{ path: path.split('.'), message }] });
}
