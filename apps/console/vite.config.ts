import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Static files the assessment app serves at `/`; the API keeps its own paths beside them.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      output: {
        // Charts are only needed on the dashboard: keep them out of the first load.
        manualChunks(id: string) {
          if (id.includes('victory') || id.includes('react-charts') || id.includes('d3-')) return 'charts';
          return undefined;
        },
      },
    },
  },
});
