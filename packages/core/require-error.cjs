// @embedcg/core is an ES module. require() of it lands here (package.json "exports" → "require"),
// so a CommonJS caller gets a message saying what to do instead of ERR_REQUIRE_ESM or a missing file.
throw new Error(
  '@embedcg/core is an ES module and cannot be loaded with require(). ' +
    'Use `import { … } from \'@embedcg/core\'` in an ES module ("type": "module" or a .mjs file), ' +
    "or `const core = await import('@embedcg/core')` from CommonJS.",
);
