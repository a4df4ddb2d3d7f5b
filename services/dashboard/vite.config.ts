import { defineConfig } from 'vite';

// Static files only: the api serves dist/web at `/`; hashed names let it cache them for good.
export default defineConfig({
  root: 'src/app',
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '../../dist/web', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
});
