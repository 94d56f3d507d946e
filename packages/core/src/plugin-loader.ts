/**
 * Finding, checking and creating plugins.
 *
 * Plugin packages are resolved the way Node resolves bare specifiers, starting from the config's
 * folder (so a project's own node_modules wins), then from the caller's fallback folders. Only
 * the package's public entry is imported. Nothing is cached in module globals, so two copies of
 * this module cannot disagree. Code inside `untrustedDirs` (a run folder being reopened) is never
 * imported, and path plugins can be refused (see plugin-trust.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_VERSION, type AnyPlugin, type KindMap, type PluginContext, type PluginKind } from './plugin.js';
import { PluginError } from './errors.js';
import { formatIssues, schemaProblem, validateAgainst } from './config/validate.js';
import { findRetiredOption } from './plugin-options.js';
import { findPackageDir, isPathSpec, untrustedFolderOf } from './plugin-trust.js';

/** A plugin reference as written in a run config. */
export interface PluginRef {
  /** npm package name (or a path starting with ./ or / to a package folder or module file). */
  package: string;
  /** Plugin name inside the package. */
  name: string;
  /** Options, validated against the plugin's schema. */
  options?: Record<string, unknown>;
}

/** A loaded plugin package. */
export interface PluginPackage {
  packageName: string;
  packageVersion: string;
  location: string;
  plugins: AnyPlugin[];
}

export interface ResolveOptions {
  /** Folders to resolve package names from, in order (the config's folder first). */
  searchDirs: string[];
  /** Folder a path `package` (./x.js, /abs/x.js) resolves against (default: the first search folder). */
  pathBase?: string;
  /**
   * Folders no plugin code is loaded from (the run folder being opened or resumed): packages
   * inside them are passed over, and a path `package` that points into one is refused.
   */
  untrustedDirs?: string[];
  /**
   * When set, path plugins are refused, and this says how to allow them (e.g. "pass
   * --allow-path-plugins"). Unset: they load.
   */
  refusePathPlugins?: string;
  /** Packages already in memory (built-ins, or plugin objects passed to the programmatic API). */
  preloaded?: Record<string, { plugins: AnyPlugin[] } | AnyPlugin[]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- package.json files of unknown packages
function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a package.json of unknown shape
function entryOf(pkgDir: string, pkg: any): string {
  let exp = pkg.exports;
  if (exp && typeof exp === 'object' && '.' in exp) exp = exp['.'];
  if (typeof exp === 'string') return join(pkgDir, exp);
  if (exp && typeof exp === 'object') {
    const target = exp.import ?? exp.default ?? exp.node ?? exp.require;
    if (typeof target === 'string') return join(pkgDir, target);
    if (target && typeof target === 'object' && typeof target.default === 'string') return join(pkgDir, target.default);
  }
  return join(pkgDir, pkg.main ?? 'index.js');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module of unknown shape, checked field by field
function pluginsOf(mod: any): AnyPlugin[] | undefined {
  const list = mod?.plugins ?? mod?.default?.plugins ?? (Array.isArray(mod?.default) ? mod.default : undefined);
  if (Array.isArray(list)) return list;
  if (mod?.default && typeof mod.default === 'object' && 'kind' in mod.default) return [mod.default];
  return undefined;
}

const DATA_NOT_CODE = 'a run folder is data, and opening it runs no code that came with it';

/** Where a path `package` points, refused when it points into an untrusted folder. */
function locatePath(spec: string, opts: ResolveOptions): { pkgDir?: string; entry?: string } {
  const p = resolve(opts.pathBase ?? opts.searchDirs[0] ?? process.cwd(), spec);
  const inside = untrustedFolderOf(p, opts.untrustedDirs);
  if (inside)
    throw new PluginError(
      `plugin package "${spec}" resolves to ${p}, inside the run folder ${inside}: ${DATA_NOT_CODE}`,
    );
  if (existsSync(join(p, 'package.json'))) return { pkgDir: p };
  if (existsSync(p)) return { entry: p };
  throw new PluginError(`plugin package "${spec}" not found: ${p} does not exist`);
}

/** The installed package `spec`, searched from each search folder in turn, passing over untrusted copies. */
async function locateInstalled(spec: string, opts: ResolveOptions): Promise<string> {
  const passedOver: string[] = [];
  for (const d of opts.searchDirs) {
    const pkgDir = findPackageDir(spec, d, opts.untrustedDirs, passedOver);
    if (pkgDir) return pkgDir;
  }
  // Name a copy the run folder brings (in its own node_modules), so the refusal is not a mystery.
  for (const d of opts.untrustedDirs ?? []) findPackageDir(spec, d, opts.untrustedDirs, passedOver);
  const installed = await listInstalledPackageNames(opts);
  const skipped = [...new Set(passedOver)];
  throw new PluginError(
    `plugin package "${spec}" is not installed (searched node_modules above ${[...new Set(opts.searchDirs.map((d) => resolve(d)))].join(', ')}).\n` +
      (skipped.length
        ? `The copy at ${skipped.join(', ')} lies inside the run folder and was not loaded: ${DATA_NOT_CODE}.\n`
        : '') +
      `Install it with \`npm install ${spec}\`. Installed plugin packages: ${installed.join(', ') || 'none'}`,
  );
}

/** Import a plugin package by name or path. */
export async function loadPluginPackage(spec: string, opts: ResolveOptions): Promise<PluginPackage> {
  const pre = opts.preloaded?.[spec];
  if (pre) {
    const plugins = Array.isArray(pre) ? pre : pre.plugins;
    return { packageName: spec, packageVersion: plugins[0]?.version ?? '0.0.0', location: '(in memory)', plugins };
  }
  const found = isPathSpec(spec) ? locatePath(spec, opts) : { pkgDir: await locateInstalled(spec, opts) };
  const { pkgDir } = found;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a package.json of unknown shape
  let pkg: any = { name: spec, version: '0.0.0' };
  let entry = found.entry;
  if (pkgDir) {
    pkg = readJson(join(pkgDir, 'package.json'));
    entry = entryOf(pkgDir, pkg);
  }
  if (entry === undefined) throw new PluginError(`plugin package "${spec}" has no entry module`);
  // A package outside the folder whose entry points into it (main: "../../RUN/x.js") is refused too.
  const inside = untrustedFolderOf(entry, opts.untrustedDirs);
  if (inside)
    throw new PluginError(
      `plugin package "${spec}" has its entry ${entry} inside the run folder ${inside}: ${DATA_NOT_CODE}`,
    );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module of unknown shape, checked by pluginsOf
  let mod: any;
  try {
    mod = await import(pathToFileURL(entry).href);
  } catch (e) {
    throw new PluginError(`plugin package "${spec}" failed to load from ${entry}: ${(e as Error).message}`);
  }
  const plugins = pluginsOf(mod);
  if (!plugins)
    throw new PluginError(
      `package "${spec}" (${entry}) does not export \`plugins\`: it is not an embedcg plugin package`,
    );
  return { packageName: pkg.name ?? spec, packageVersion: pkg.version ?? '0.0.0', location: pkgDir ?? entry, plugins };
}

/** Names of plugin packages (package.json `embedcg.plugins: true`) visible from the search dirs. */
export async function listInstalledPackageNames(opts: ResolveOptions): Promise<string[]> {
  const names = new Set<string>(Object.keys(opts.preloaded ?? {}));
  for (const start of opts.searchDirs) {
    let dir = resolve(start);
    for (;;) {
      const nm = join(dir, 'node_modules');
      if (existsSync(nm) && !untrustedFolderOf(nm, opts.untrustedDirs)) {
        for (const e of safeReaddir(nm)) {
          const dirs = e.startsWith('@') ? safeReaddir(join(nm, e)).map((s) => `${e}/${s}`) : [e];
          for (const d of dirs) {
            const pj = join(nm, d, 'package.json');
            if (!existsSync(pj)) continue;
            try {
              if (readJson(pj)?.embedcg?.plugins === true) names.add(d);
            } catch {
              /* an unreadable package.json is not a plugin */
            }
          }
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...names].sort();
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/** Load every installed plugin package. Packages that fail to load are reported, not fatal. */
export async function discoverPlugins(
  opts: ResolveOptions,
): Promise<{ packages: PluginPackage[]; failures: string[] }> {
  const packages: PluginPackage[] = [];
  const failures: string[] = [];
  for (const name of await listInstalledPackageNames(opts)) {
    try {
      packages.push(await loadPluginPackage(name, opts));
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  return { packages, failures };
}

/** Check a descriptor's shape and apiVersion. */
export function checkDescriptor(p: AnyPlugin, where: string): void {
  const id = `plugin "${p?.name ?? '?'}" (${where})`;
  if (!p || typeof p !== 'object') throw new PluginError(`${where}: a plugin descriptor must be an object`);
  for (const key of ['kind', 'name', 'version'] as const) {
    if (typeof p[key] !== 'string') throw new PluginError(`${id}: descriptor field "${key}" must be a string`);
  }
  if (typeof p.create !== 'function') throw new PluginError(`${id}: descriptor field "create" must be a function`);
  if (p.apiVersion !== API_VERSION) {
    throw new PluginError(
      `${id} was written for embedcg plugin API ${String(p.apiVersion)}, but this @embedcg/core implements API ${API_VERSION}. ` +
        `Install a version of the plugin built for API ${API_VERSION}, or a core that matches it.`,
    );
  }
  if (p.resolveOptions !== undefined && typeof p.resolveOptions !== 'function')
    throw new PluginError(`${id}: descriptor field "resolveOptions" must be a function when given`);
  if (p.retiredOptions !== undefined && (typeof p.retiredOptions !== 'object' || p.retiredOptions === null))
    throw new PluginError(`${id}: descriptor field "retiredOptions" must be an object when given`);
  const problem = schemaProblem(p.optionsSchema);
  if (problem) throw new PluginError(`${id}: optionsSchema is not a valid JSON Schema: ${problem}`);
}

/**
 * Find the plugin a config entry names and check its options (defaults filled in), without creating
 * it: what `embedcg config` shows, and the first half of createPlugin.
 */
export async function resolvePluginOptions(
  kind: PluginKind,
  ref: PluginRef,
  opts: ResolveOptions & { configPath?: string; jsonPath?: string },
): Promise<{ descriptor: AnyPlugin; options: Record<string, unknown>; pkg: PluginPackage; where: string }> {
  const where = `${opts.configPath ?? 'config'}${opts.jsonPath ? ` at ${opts.jsonPath}` : ''}`;
  // Every problem below is reported against the config entry that caused it, so the user knows what to edit.
  if (opts.refusePathPlugins !== undefined && isPathSpec(ref.package) && !opts.preloaded?.[ref.package]) {
    const path = resolve(opts.pathBase ?? opts.searchDirs[0] ?? process.cwd(), ref.package);
    throw new PluginError(
      `${where}: plugin "${ref.name}" comes from the path "${ref.package}" (${path}), code named by the run's config; ${opts.refusePathPlugins}`,
    );
  }
  let pkg: PluginPackage;
  try {
    pkg = await loadPluginPackage(ref.package, opts);
  } catch (e) {
    throw new PluginError(`${where}: ${(e as Error).message}`);
  }
  const descriptor = pkg.plugins.find((p) => p?.name === ref.name);
  if (!descriptor) {
    throw new PluginError(
      `${where}: package "${pkg.packageName}" has no plugin named "${ref.name}". ` +
        `It provides: ${pkg.plugins.map((p) => `${p.name} (${p.kind})`).join(', ') || 'nothing'}`,
    );
  }
  try {
    checkDescriptor(
      descriptor,
      pkg.location === '(in memory)' ? pkg.packageName : `${pkg.packageName} at ${pkg.location}`,
    );
  } catch (e) {
    throw new PluginError(`${where}: ${(e as Error).message}`);
  }
  if (descriptor.kind !== kind) {
    throw new PluginError(
      `${where}: plugin "${ref.name}" of "${pkg.packageName}" is a ${descriptor.kind} plugin, but a ${kind} plugin is needed here`,
    );
  }
  const invalid = `${where}: invalid options for plugin "${ref.name}" (${pkg.packageName})`;
  let options = structuredClone(ref.options ?? {});
  const retired = findRetiredOption(descriptor.retiredOptions, options);
  if (retired) throw new PluginError(`${invalid}: option ${retired.path} was ${retired.note}`);
  const issues = validateAgainst(descriptor.optionsSchema, options);
  if (issues.length) throw new PluginError(`${invalid}:\n${formatIssues(issues, `${opts.jsonPath ?? ''}/options`)}`);
  if (descriptor.resolveOptions) {
    try {
      options = descriptor.resolveOptions(options, { configDir: opts.searchDirs[0] ?? process.cwd() });
    } catch (e) {
      throw new PluginError(`${invalid}: ${(e as Error).message}`);
    }
  }
  return { descriptor, options, pkg, where };
}

/** Validate options (filling defaults) and create the plugin instance. */
export async function createPlugin<K extends PluginKind>(
  kind: K,
  ref: PluginRef,
  context: PluginContext,
  opts: ResolveOptions & { configPath?: string; jsonPath?: string },
): Promise<{ instance: KindMap[K]; descriptor: AnyPlugin; options: Record<string, unknown>; packageVersion: string }> {
  const { descriptor, options, pkg, where } = await resolvePluginOptions(kind, ref, opts);
  let instance: KindMap[K];
  try {
    instance = (await descriptor.create(options, context)) as KindMap[K];
  } catch (e) {
    const err = e as Error;
    throw new PluginError(`${where}: plugin "${ref.name}" (${pkg.packageName}) could not be created: ${err.message}`);
  }
  return { instance, descriptor, options, packageVersion: pkg.packageVersion };
}
