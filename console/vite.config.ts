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
    rolldownOptions: {
      output: {
        // Measured with `npm run build` (docs/console.md, "Bundle"). The pages are lazy (src/AppRoutes.tsx), so the
        // sign-in page loads only what it renders. The vendors it needs go into named groups that change rarely
        // and stay cached across console releases; `$initial` keeps the groups to what the first page imports —
        // a group without it would pull the whole of antd (1.2 MB) into the sign-in download again. antd is cut
        // in three (components, rc-* internals, icons) so no chunk passes Vite's 500 kB warning. What only the
        // signed-in pages use (tables, pickers, trees, refine's antd hooks) is left to automatic splitting, so
        // a page fetches the parts it renders.
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/, priority: 30 },
            {
              name: "refine",
              test: /node_modules[\\/](@refinedev[\\/](core|react-router)|@tanstack)[\\/]/,
              priority: 20,
            },
            { name: "antd-icons", test: /node_modules[\\/]@ant-design[\\/]icons/, tags: ["$initial"], priority: 12 },
            {
              name: "antd-rc",
              test: /node_modules[\\/](@rc-component|rc-[^\\/]+)[\\/]/,
              tags: ["$initial"],
              priority: 11,
            },
            { name: "antd", test: /node_modules[\\/](antd|@ant-design)[\\/]/, tags: ["$initial"], priority: 10 },
            // The rest of the first page's libraries (CASL, dayjs, classnames…), apart from the app's own code.
            { name: "vendor", test: /node_modules[\\/]/, tags: ["$initial"], priority: 9 },
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
