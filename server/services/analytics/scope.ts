import { NotFoundError, ValidationError } from '../../shared/errors.js';

/** A workflow's versions; a NotFoundError (or none) when there is no such workflow. */
export type VersionsOf = (key: string) => Promise<ReadonlyArray<{ version: number }>>;

/**
 * What every analytics question checks first: a version comes with its workflow, and both exist. A misspelt
 * key or version is a 404, never figures of no tickets that read like a quiet week. `versionField` names the
 * version's parameter in errors (a comparison has two).
 */
export async function checkScope(query: { workflow?: string; version?: number }, versionsOf: VersionsOf, versionField = 'version'): Promise<void> {
  if (query.version !== undefined && query.workflow === undefined)
    throw new ValidationError(`${versionField} needs its workflow`, [{ field: versionField, message: 'needs workflow' }]);
  if (query.workflow === undefined) return;
  const versions = await versionsOf(query.workflow);
  if (!versions.length) throw new NotFoundError(`no workflow "${query.workflow}"`);
  if (query.version !== undefined && !versions.some((v) => v.version === query.version))
    throw new NotFoundError(`workflow "${query.workflow}" has no version ${query.version}`);
}
