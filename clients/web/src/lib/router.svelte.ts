// A small history router: the app lives under Vite's base (/app/), the gateway answers every
// path below it with index.html.

const base = import.meta.env.BASE_URL.replace(/\/$/, '');

class Router {
  path = $state(currentPath());
  query = $state(new URLSearchParams(location.search));

  constructor() {
    addEventListener('popstate', () => this.sync());
  }

  go(path: string, replace = false): void {
    const url = `${base}${path}`;
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    this.sync();
    window.scrollTo(0, 0);
  }

  private sync(): void {
    this.path = currentPath();
    this.query = new URLSearchParams(location.search);
  }
}

function currentPath(): string {
  const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '/';
  return path || '/';
}

export function href(path: string): string {
  return `${base}${path}`;
}

/** Matches `/courses/:id` style patterns; returns the decoded parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/');
  const b = path.replace(/\/$/, '').split('/');
  if (path === '/' && pattern === '/') return {};
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const p = a[i] ?? '';
    const v = b[i] ?? '';
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(v);
    else if (p !== v) return undefined;
  }
  return params;
}

export const router = new Router();
