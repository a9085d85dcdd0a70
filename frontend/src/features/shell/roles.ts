// What the session's roles allow the pages to offer (docs/security.md). The session carries only the roles held
// everywhere; roles given in one model are not in it, so with no role held everywhere the page offers the action
// and lets the API decide. The API checks every action again whatever the page shows.

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
