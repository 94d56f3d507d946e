/**
 * Finding, checking and creating plugins.
 *
 * Plugin packages are resolved the way Node resolves bare specifiers, starting from the config's
 * folder (so a project's own node_modules wins), then from the caller's fallback folders. Only
 * the package's public entry is imported. Nothing is cached in module globals, so two copies of
 * this module cannot disagree.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_VERSION, type AnyPlugin, type KindMap, type PluginContext, type PluginKind } from './plugin.js';
import { PluginError } from './errors.js';
import { formatIssues, schemaProblem, validateAgainst } from './config/validate.js';
import { findRetiredOption } from './plugin-options.js';

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
  /** Packages already in memory (built-ins, or plugin objects passed to the programmatic API). */
  preloaded?: Record<string, { plugins: AnyPlugin[] } | AnyPlugin[]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- package.json files of unknown packages
function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Find `node_modules/<name>` walking up from dir. */
function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
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

/** Import a plugin package by name or path. */
export async function loadPluginPackage(spec: string, opts: ResolveOptions): Promise<PluginPackage> {
  const pre = opts.preloaded?.[spec];
  if (pre) {
    const plugins = Array.isArray(pre) ? pre : pre.plugins;
    return { packageName: spec, packageVersion: plugins[0]?.version ?? '0.0.0', location: '(in memory)', plugins };
  }
  let pkgDir: string | undefined;
  let entry: string | undefined;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const p = resolve(opts.searchDirs[0] ?? process.cwd(), spec);
    if (existsSync(join(p, 'package.json'))) pkgDir = p;
    else if (existsSync(p)) entry = p;
    else throw new PluginError(`plugin package "${spec}" not found: ${p} does not exist`);
  } else {
    for (const d of opts.searchDirs) {
      pkgDir = findPackageDir(spec, d);
      if (pkgDir) break;
    }
    if (!pkgDir) {
      const installed = await listInstalledPackageNames(opts);
      throw new PluginError(
        `plugin package "${spec}" is not installed (searched node_modules above ${[...new Set(opts.searchDirs.map((d) => resolve(d)))].join(', ')}).\n` +
          `Install it with \`npm install ${spec}\`. Installed plugin packages: ${installed.join(', ') || 'none'}`,
      );
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a package.json of unknown shape
  let pkg: any = { name: spec, version: '0.0.0' };
  if (pkgDir) {
    pkg = readJson(join(pkgDir, 'package.json'));
    entry = entryOf(pkgDir, pkg);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module of unknown shape, checked by pluginsOf
  let mod: any;
  try {
    mod = await import(pathToFileURL(entry!).href);
  } catch (e) {
    throw new PluginError(`plugin package "${spec}" failed to load from ${entry}: ${(e as Error).message}`);
  }
  const plugins = pluginsOf(mod);
  if (!plugins)
    throw new PluginError(
      `package "${spec}" (${entry}) does not export \`plugins\`: it is not an embedcg plugin package`,
    );
  return { packageName: pkg.name ?? spec, packageVersion: pkg.version ?? '0.0.0', location: pkgDir ?? entry!, plugins };
}

/** Names of plugin packages (package.json `embedcg.plugins: true`) visible from the search dirs. */
export async function listInstalledPackageNames(opts: ResolveOptions): Promise<string[]> {
  const names = new Set<string>(Object.keys(opts.preloaded ?? {}));
  for (const start of opts.searchDirs) {
    let dir = resolve(start);
    for (;;) {
      const nm = join(dir, 'node_modules');
      if (existsSync(nm)) {
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
