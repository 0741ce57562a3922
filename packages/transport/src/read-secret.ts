import { readFileSync, statSync } from 'node:fs';
import { SPMTransportError, messageOfThrown } from '@spm/exceptions';

/** Options of {@link readSecret}. */
export interface ReadSecretOptions {
  /** The environment variable that may hold the secret. @default 'SPM_SECRET' */
  readonly env?: string;
  /**
   * A file holding the secret (trailing whitespace is trimmed). It must be readable and
   * writable by its owner only (mode `0600` or stricter). Takes precedence over `env`.
   */
  readonly file?: string;
}

/**
 * Reads the TCP hub's shared secret from a file of mode `0600` or from an environment
 * variable — never from a command line, where every user of the host can read it. Throws
 * `SPMTransportError` if there is none, it is empty, or the file is group/world accessible.
 * The secret is never part of an error message.
 */
export function readSecret(options: ReadSecretOptions = {}): string {
  const envName = options.env ?? 'SPM_SECRET';
  if (options.file !== undefined) {
    const file = options.file;
    let mode: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new SPMTransportError(`Expected the secret file \`${file}\` to be a regular file, got another kind of file`);
      mode = stat.mode & 0o777;
    } catch (error) {
      if (error instanceof SPMTransportError) throw error;
      throw new SPMTransportError(`Could not read the secret file \`${file}\`: ${messageOfThrown(error)}`, { cause: error });
    }
    if ((mode & 0o077) !== 0) {
      throw new SPMTransportError(
        `Expected the secret file \`${file}\` to be accessible by its owner only (mode 0600), got mode 0${mode.toString(8)}; run \`chmod 600 ${file}\``,
      );
    }
    const secret = readFileSync(file, 'utf8').replace(/\s+$/u, '');
    if (secret === '') throw new SPMTransportError(`Expected the secret file \`${file}\` to hold a secret, got an empty file`);
    return secret;
  }
  const secret = process.env[envName];
  if (secret === undefined || secret === '') {
    throw new SPMTransportError(`Expected a shared secret in the environment variable \`${envName}\` (or a file of mode 0600), found none`);
  }
  return secret;
}
