import { api } from './Api.js';
import type { User } from '@lm/api';

/** The signed-in user, shared by every page. */
class SessionState {
  user = $state<User | undefined>(undefined);
  loading = $state(true);

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.user = api.signedIn ? await api.me() : undefined;
    } catch {
      this.user = undefined;
    } finally {
      this.loading = false;
    }
  }

  get isLecturer(): boolean {
    return this.user?.roles.some((r) => r === 'lecturer' || r === 'admin') ?? false;
  }
}

export const session = new SessionState();
