/**
 * Account rules: username and password shape, roles, and "there is always an admin". No HTTP here.
 */
import { newGuid } from '../../shared/ids.ts';
import { webErrors } from '../errors.ts';
import type { WebStorage } from '../storage/index.ts';
import type { WebUser } from '../storage/userStore.ts';
import { isUniqueViolation } from '../../shared/database.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { isRole, type Role } from './roles.ts';

const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export function normalizeUsername(value: string): string {
  return value.trim().toLowerCase();
}

function checkUsername(value: string): string {
  const username = normalizeUsername(value);
  if (!USERNAME_RE.test(username)) {
    throw webErrors.invalidField('username', 'A username is 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit.');
  }
  return username;
}

function checkPassword(value: string): string {
  if (value.length < MIN_PASSWORD_LENGTH) throw webErrors.invalidField('password', `A password has at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (value.length > MAX_PASSWORD_LENGTH) throw webErrors.invalidField('password', `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  return value;
}

function checkRole(value: string): Role {
  if (!isRole(value)) throw webErrors.invalidField('role', 'Role is admin, booker or viewer.');
  return value;
}

export class Accounts {
  constructor(
    private readonly storage: WebStorage,
    private readonly now: () => number,
  ) {}

  async create(input: { username: string; password: string; role: string }): Promise<WebUser> {
    const username = checkUsername(input.username);
    const password = checkPassword(input.password);
    const role = checkRole(input.role);
    const id = newGuid();
    const nowMs = this.now();
    try {
      await this.storage.users.insert({ id, username, passwordHash: await hashPassword(password), role, nowMs });
    } catch (error) {
      if (isUniqueViolation(error)) throw webErrors.conflict(`A user named "${username}" already exists.`);
      throw error;
    }
    return { id, username, role, createdMs: nowMs };
  }

  /** The user when the password is right; undefined otherwise (same cost whether or not the user exists). */
  async authenticate(usernameInput: string, password: string): Promise<WebUser | undefined> {
    if (password.length > MAX_PASSWORD_LENGTH) return undefined;
    const user = await this.storage.users.byUsername(normalizeUsername(usernameInput));
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!ok || !user) return undefined;
    const { passwordHash: _hash, ...rest } = user;
    return rest;
  }

  list(): Promise<WebUser[]> {
    return this.storage.users.list();
  }

  count(): Promise<number> {
    return this.storage.users.count();
  }

  async setRole(id: string, roleInput: string): Promise<void> {
    const role = checkRole(roleInput);
    await this.storage.transaction(async (stores) => {
      const user = await stores.users.byId(id);
      if (!user) throw webErrors.notFound('user');
      if (user.role === 'admin' && role !== 'admin' && (await stores.users.countWithRole('admin')) <= 1) {
        throw webErrors.conflict('The last admin cannot lose the admin role.');
      }
      await stores.users.setRole(id, role, this.now());
    });
  }

  async setPassword(id: string, passwordInput: string): Promise<void> {
    const passwordHash = await hashPassword(checkPassword(passwordInput));
    await this.storage.transaction(async (stores) => {
      if (!(await stores.users.setPasswordHash(id, passwordHash, this.now()))) throw webErrors.notFound('user');
      // A new password ends every session of that user.
      await stores.sessions.deleteForUser(id);
    });
  }

  async delete(id: string): Promise<void> {
    await this.storage.transaction(async (stores) => {
      const user = await stores.users.byId(id);
      if (!user) throw webErrors.notFound('user');
      if (user.role === 'admin' && (await stores.users.countWithRole('admin')) <= 1) throw webErrors.conflict('The last admin cannot be deleted.');
      await stores.users.delete(id);
    });
  }
}
