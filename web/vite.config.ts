import { defineConfig } from 'vitest/config';

// One stable entry (`dist/mfe/charter.js`, no hash: hosts load it by name)
// that imports content-hashed, immutable chunks from `dist/mfe/assets/`.
// `base: './'` makes the chunk URLs relative to charter.js itself, so a host
// on another origin loads them from Charter, not from its own origin.
export default defineConfig({
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      input: { charter: 'src/charter.ts' },
      preserveEntrySignatures: 'exports-only',
      output: {
        format: 'es',
        entryFileNames: 'mfe/charter.js',
        chunkFileNames: 'mfe/assets/[name]-[hash].js',
        assetFileNames: 'mfe/assets/[name]-[hash][extname]',
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
