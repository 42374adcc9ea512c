// Svelte compiler options for vite-plugin-svelte: runes everywhere (Svelte 5).
export default {
  compilerOptions: { runes: true },
};
