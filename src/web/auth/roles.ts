/**
 * Who may do what. Roles are ordered: a booker can do what a viewer can, an admin what a booker can.
 */
export const ROLES = ['viewer', 'booker', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** view: see pages; book: create/change bookings and act on live meetings; manage: users and bridges. */
export type Permission = 'view' | 'book' | 'manageUsers' | 'manageBridges';

const MINIMUM_ROLE: Record<Permission, Role> = {
  view: 'viewer',
  book: 'booker',
  manageUsers: 'admin',
  manageBridges: 'admin',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(MINIMUM_ROLE[permission]);
}
