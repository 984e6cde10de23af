/** User management (admins only): add users, change roles, reset passwords, delete. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../auth/accounts.ts';
import { MIN_PASSWORD_LENGTH } from '../auth/accounts.ts';
import { ROLES } from '../auth/roles.ts';
import { WebError } from '../errors.ts';
import { html } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';
import type { WebUser } from '../storage/userStore.ts';

function roleOptions(selected: string): ReturnType<typeof html> {
  return html`${ROLES.map((role) => html`<option value="${role}"${role === selected ? html` selected` : ''}>${role}</option>`)}`;
}

async function usersPage(
  kit: WebKit,
  accounts: Accounts,
  request: FastifyRequest,
  reply: FastifyReply,
  failure?: { error: WebError; values: { username: string; role: string } },
): Promise<FastifyReply> {
  const users = await accounts.list();
  const me = kit.user(request);
  const csrf = kit.csrfField(request);
  const row = (user: WebUser): ReturnType<typeof html> => html`<tr>
  <th scope="row">${user.username}${user.id === me.id ? ' (you)' : ''}</th>
  <td>
    <form method="post" action="/admin/users/${user.id}/role" class="inline">${csrf}
      <label class="visually-hidden" for="role-${user.id}">Role of ${user.username}</label>
      <select id="role-${user.id}" name="role">${roleOptions(user.role)}</select>
      <button type="submit">Change role</button>
    </form>
  </td>
  <td>
    <form method="post" action="/admin/users/${user.id}/password" class="inline">${csrf}
      <label class="visually-hidden" for="password-${user.id}">New password for ${user.username}</label>
      <input id="password-${user.id}" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>
      <button type="submit">Set password</button>
    </form>
  </td>
  <td>
    <form method="post" action="/admin/users/${user.id}/delete" class="inline">${csrf}
      <button type="submit" class="danger">Delete ${user.username}</button>
    </form>
  </td>
</tr>`;
  const values = failure?.values ?? { username: '', role: 'booker' };
  return kit.page(request, reply, {
    title: 'Users',
    status: failure?.error.status ?? 200,
    error: failure?.error.message,
    body: html`
<p>Admins manage users and bridges; bookers book and run meetings; viewers look.</p>
<table>
  <caption>Users</caption>
  <thead><tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Password</th><th scope="col">Delete</th></tr></thead>
  <tbody>${users.map(row)}</tbody>
</table>
<h2 id="add-user">Add a user</h2>
<form method="post" action="/admin/users" class="card" aria-labelledby="add-user">${csrf}
  <p><label for="new-username">Username</label>
  <input id="new-username" name="username" autocomplete="off" required value="${values.username}"${failure?.error.field === 'username' ? html` aria-invalid="true"` : ''}></p>
  <p><label for="new-password">Password (at least ${MIN_PASSWORD_LENGTH} characters)</label>
  <input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${failure?.error.field === 'password' ? html` aria-invalid="true"` : ''}></p>
  <p><label for="new-role">Role</label>
  <select id="new-role" name="role">${roleOptions(values.role)}</select></p>
  <p><button type="submit">Add user</button></p>
</form>`,
  });
}

export function usersPart(accounts: Accounts): WebPart {
  return {
    name: 'users',
    summary: 'Add users and give them a role: admin, booker or viewer.',
    nav: [{ href: '/admin/users', label: 'Users', permission: 'manageUsers', order: 90 }],
    register(app: FastifyInstance, kit: WebKit) {
      const config = { permission: 'manageUsers' as const };
      const withFailure = async (request: FastifyRequest, reply: FastifyReply, action: () => Promise<void>, notice: 'saved' | 'created' | 'deleted') => {
        try {
          await action();
        } catch (error) {
          if (!(error instanceof WebError) || error.status >= 500) throw error;
          const form = kit.form(request);
          return usersPage(kit, accounts, request, reply, { error, values: { username: form.get('username'), role: form.get('role') || 'booker' } });
        }
        return kit.redirect(reply, '/admin/users', notice);
      };

      app.get('/admin/users', { config }, (request, reply) => usersPage(kit, accounts, request, reply));

      app.post('/admin/users', { config }, (request, reply) => {
        const form = kit.form(request);
        return withFailure(request, reply, async () => {
          const user = await accounts.create({ username: form.get('username'), password: form.getRaw('password'), role: form.get('role') });
          kit.logger.info({ username: user.username, role: user.role, by: kit.user(request).username }, 'web user created');
        }, 'created');
      });

      app.post('/admin/users/:id/role', { config }, (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
        withFailure(request, reply, () => accounts.setRole(request.params.id, kit.form(request).get('role')), 'saved'),
      );

      app.post('/admin/users/:id/password', { config }, (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
        withFailure(request, reply, () => accounts.setPassword(request.params.id, kit.form(request).getRaw('password')), 'saved'),
      );

      app.post('/admin/users/:id/delete', { config }, (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
        withFailure(request, reply, () => accounts.delete(request.params.id), 'deleted'),
      );
    },
  };
}
