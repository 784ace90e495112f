import { BaseError } from '../protocol/errors';

/**
 * An uploaded scene cannot be imported as it is: unsupported format or extension, a missing file, or a
 * limit exceeded. `shortMessage` names the problem, `metaMessages` say how to fix the file.
 */
export class SceneImportError extends BaseError {
  override readonly name = 'SceneImportError';
  readonly status = 422;
}
