// esbuild bundles the stylesheet a module imports into app.css beside app.js.
declare module "*.css";
