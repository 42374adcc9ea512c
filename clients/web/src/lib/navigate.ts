import { router } from './router.svelte.js';

/** Click handler for in-app links: plain clicks navigate without reloading, others behave as usual. */
export function navigate(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey
  )
    return;
  event.preventDefault();
  const base = import.meta.env.BASE_URL.replace(/\/$/, '');
  const url = new URL(anchor.href);
  router.go(url.pathname.slice(base.length) + url.search);
}
