export const ROLES = ['student', 'lecturer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as established from a verified access token. */
export interface Principal {
  /** Stable user id (the token's `sub`). */
  userId: string;
  username: string;
  email: string | undefined;
  name: string | undefined;
  roles: Role[];
  /** A person, or another service calling with its own identity (client credentials). */
  kind: 'user' | 'service';
  /** The client the token was issued to (`azp`). */
  clientId: string | undefined;
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role);
}
