/**
 * The page registry: each part of the system (bridges, scheduler, collector, ...) registers its pages
 * here; the `webUi` plugin mounts them behind login, CSRF and role checks and lists them in the
 * navigation. A part whose service is not running in this process can leave a placeholder that says so.
 */
import type { FastifyInstance } from 'fastify';
import type { Permission } from './auth/roles.ts';
import type { WebKit } from './kit.ts';

export interface NavItem {
  readonly href: string;
  readonly label: string;
  /** Who sees the item (and may open the page). */
  readonly permission: Permission;
  /** Lower comes first. */
  readonly order: number;
}

export interface WebPart {
  /** A short name for logs and the home page: 'bridges', 'bookings', 'reports'. */
  readonly name: string;
  readonly nav: readonly NavItem[];
  /** One line for the home page. */
  readonly summary?: string;
  /** Adds the part's routes. Each route declares its permission in `config.permission` (default 'view'). */
  register(app: FastifyInstance, kit: WebKit): void | Promise<void>;
}

export interface Placeholder {
  readonly label: string;
  readonly reason: string;
  readonly order: number;
}

export class PageRegistry {
  readonly #parts: WebPart[] = [];
  readonly #placeholders: Placeholder[] = [];

  add(part: WebPart): this {
    if (this.#parts.some((p) => p.name === part.name)) throw new Error(`web part "${part.name}" registered twice`);
    this.#parts.push(part);
    return this;
  }

  /** Marks a part as not available in this process (shown on the home page, not in the navigation). */
  unavailable(label: string, reason: string, order = 100): this {
    this.#placeholders.push({ label, reason, order });
    return this;
  }

  get parts(): readonly WebPart[] {
    return this.#parts;
  }

  get placeholders(): readonly Placeholder[] {
    return [...this.#placeholders].sort((a, b) => a.order - b.order);
  }

  get nav(): NavItem[] {
    return this.#parts.flatMap((p) => p.nav).sort((a, b) => a.order - b.order);
  }
}
