/**
 * The architecture as a rule, run by `npm test` (`npm run lint:deps`). Dependencies run one way:
 * workers/ and src/api/ (the edges) → src/jobs, src/cache, src/redis → the core (src/image, src/catalog, src/sbom,
 * src/layers, src/registry), which knows nothing of HTTP, queues or Redis. The core's "reads no process.env" rule
 * is held by test/unit/architecture.test.ts (dependency-cruiser sees imports, not property reads).
 */
const CORE = '^src/(image|catalog|sbom|layers|registry)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere (type-only imports included: a cycle of types is still a tangle).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'workers-not-api',
      severity: 'error',
      comment: 'Workers share request/links/parse-failure pieces through src/jobs, never through the HTTP layer.',
      from: { path: '^workers/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'version-is-a-leaf',
      severity: 'error',
      comment:
        'src/version.ts holds constants only; the analyzer version is composed where the catalogers are listed ' +
        '(src/catalog/catalogers.ts), so reading the tool version loads no cataloger.',
      from: { path: '^src/version\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'sbom-not-catalog',
      severity: 'error',
      comment: 'Catalogers produce the package model of src/sbom; src/sbom never reaches back into src/catalog.',
      from: { path: '^src/sbom/' },
      to: { path: '^src/catalog/' },
    },
    {
      name: 'core-not-edges',
      severity: 'error',
      comment: 'The core knows nothing of HTTP, queues, Redis, the CLI or the workers.',
      from: { path: CORE },
      to: {
        path: [
          '^src/(api|jobs|cache|redis|cli|fleet|inspect)/',
          '^src/(cli|analyze|local-redis|logger)\\.ts$',
          '^workers/',
          '(^|/)node_modules/(hono|@hono|bullmq|ioredis|pino)/',
        ],
      },
    },
    {
      name: 'api-is-an-edge',
      severity: 'error',
      comment: 'Only the CLI starts the HTTP layer; nothing else (workers, jobs, caches, the core) imports src/api.',
      from: { path: '^(src|workers)/', pathNot: ['^src/api/', '^src/cli(\\.ts$|/)'] },
      to: { path: '^src/api/' },
    },
    {
      name: 'core-sets-no-v8-flags',
      severity: 'error',
      comment: 'The core tunes no V8 heap: the tuning lives in src/runtime (issue 21), installed by the CLI and the worker through AnalysisHooks.',
      from: { path: CORE },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'cataloger-folders-independent',
      severity: 'error',
      comment:
        'A cataloger is one folder: it uses the contract (src/catalog/*.ts) and shared helpers, never another ' +
        "cataloger's folder (cross-ecosystem questions go through the contract, e.g. RelateContext.ownersOf).",
      from: { path: '^src/catalog/([^/]+)/' },
      to: { path: '^src/catalog/[^/]+/', pathNot: '^src/catalog/$1/' },
    },
    {
      name: 'one-redis-factory',
      severity: 'error',
      comment: 'Every Redis connection is made by src/redis/connect.ts (purpose → retry policy; standalone, Cluster, Sentinel).',
      from: { path: '^(src|workers|bench)/', pathNot: '^src/redis/connect\\.ts$' },
      to: { path: '(^|/)node_modules/ioredis/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      comment: 'Shipped code never imports test code.',
      from: { path: '^(src|workers)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
