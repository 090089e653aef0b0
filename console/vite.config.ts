import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The config lives in console/ but is run from the repository root (`npm run build`),
// so every path is anchored to this file rather than to the working directory.
const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // antd is one ~900 kB vendor chunk (280 kB gzipped) that stays cached across console releases.
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      output: {
        // antd alone is larger than Vite's 500 kB warning; split the big, rarely-changing vendors so
        // a console release does not make browsers download them again.
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/ },
            { name: "antd", test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[^\\/]+)[\\/]/ },
            { name: "refine", test: /node_modules[\\/](@refinedev|@tanstack)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    // src imports vocabulary from ../policies, which sits outside the Vite root.
    fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] },
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
});
