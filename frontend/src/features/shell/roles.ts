// What the reader's roles allow the pages to offer (docs/security.md). In a model, the model API tells the reader's
// roles there (held everywhere or given in that model: useModelRoles); the session carries only those held
// everywhere. With no role known the page offers the action and lets the API decide, and the API checks every
// action again whatever the page shows.
import { useEffect, useState } from 'react';
import { typedGet } from '../../api/typed';

/** Change structure, copy, branch and merge versions, exchange rates. */
export const BUILDERS = ['administrator', 'modeller'] as const;
/** Lock and unlock periods and versions. */
export const LOCKERS = ['administrator', 'modeller', 'approver'] as const;

function mayAct(allowed: readonly string[], roles: readonly string[]): boolean {
  return roles.length === 0 || roles.some((role) => allowed.includes(role));
}

/** Whether to offer copying, branching and merging versions to a user holding `roles` everywhere. */
export function mayBuild(roles: readonly string[]): boolean {
  return mayAct(BUILDERS, roles);
}

/** Whether to offer locking and unlocking periods and versions to a user holding `roles` everywhere. */
export function mayLock(roles: readonly string[]): boolean {
  return mayAct(LOCKERS, roles);
}

/** Whether to offer administration of users (roles held everywhere only: users are not managed per model). */
export function mayAdminister(roles: readonly string[]): boolean {
  return roles.includes('administrator');
}

/** The reader's roles in `model` (null until known, or when it cannot be read: then use the session's). */
export function useModelRoles(model: string): string[] | null {
  const [roles, setRoles] = useState<{ model: string; roles: string[] } | null>(null);
  useEffect(() => {
    if (!model) return;
    const controller = new AbortController();
    typedGet('/api/v1/models/{model}', { model }, { signal: controller.signal })
      .then((found) => setRoles({ model, roles: found.roles }))
      .catch(() => setRoles(null));
    return () => controller.abort();
  }, [model]);
  return roles && roles.model === model ? roles.roles : null;
}
