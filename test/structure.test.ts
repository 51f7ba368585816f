/**
 * The layout's rules, measured on the sources with the TypeScript compiler's parser: no file under
 * lambda/ over 300 lines, no function over 80 lines in the product folders, lib/ and lambda/ never
 * import each other (config/ is the place both may), and no import cycle anywhere, type-only
 * imports included.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const PRODUCT = ['lambda', 'lib', 'config', 'cli'];
const EVERYWHERE = [...PRODUCT, 'bin', 'tools', 'test'];
const MAX_LAMBDA_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

function sourcesUnder(dir: string): string[] {
  const full = path.join(ROOT, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('node_modules'))
    .map((f) => path.join(dir, f));
}

const parsed = new Map<string, ts.SourceFile>();
function parse(file: string, root = ROOT): ts.SourceFile {
  const key = path.join(root, file);
  let source = parsed.get(key);
  if (!source) {
    const text = fs.readFileSync(key, 'utf8');
    source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    parsed.set(key, source);
  }
  return source;
}

const lineOf = (source: ts.SourceFile, pos: number) =>
  source.getLineAndCharacterOfPosition(pos).line + 1;

/** Every function-like node with its name and length in lines. */
function functionsOf(file: string, root = ROOT): { name: string; lines: number }[] {
  const source = parse(file, root);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const named = (node as { name?: ts.Node }).name;
      const parent = node.parent;
      const name = named
        ? named.getText(source)
        : ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)
          ? parent.name.getText(source)
          : ts.isConstructorDeclaration(node)
            ? 'constructor'
            : `(anonymous at line ${lineOf(source, node.getStart(source))})`;
      const lines = lineOf(source, node.getEnd()) - lineOf(source, node.getStart(source)) + 1;
      found.push({ name, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The repository files a file imports or re-exports (relative specifiers, type-only included). */
function importsOf(file: string, root = ROOT): string[] {
  const source = parse(file, root);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    )
      specifiers.push(statement.moduleSpecifier.text);
  }
  const resolved: string[] = [];
  for (const s of specifiers.filter((s) => s.startsWith('.'))) {
    const base = path.join(path.dirname(file), s);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) =>
      fs.existsSync(path.join(root, c)),
    );
    if (target) resolved.push(target);
  }
  return resolved;
}

/** The import cycles among `files`, each as the list of files around it. */
function cyclesAmong(files: string[], root = ROOT): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f, root)]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('the layout', () => {
  it(`keeps every file under lambda/ at ${MAX_LAMBDA_FILE_LINES} lines or fewer`, () => {
    const long = sourcesUnder('lambda')
      .map((f) => ({
        file: f,
        lines: parse(f).getLineAndCharacterOfPosition(parse(f).getEnd()).line,
      }))
      .filter((f) => f.lines > MAX_LAMBDA_FILE_LINES);

    expect(long).toEqual([]);
  });

  it(`keeps every function in ${PRODUCT.join('/, ')}/ at ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    const long = PRODUCT.flatMap(sourcesUnder).flatMap((file) =>
      functionsOf(file)
        .filter((f) => f.lines > MAX_FUNCTION_LINES)
        .map((f) => `${file}: ${f.name} (${f.lines} lines)`),
    );

    expect(long).toEqual([]);
  });

  it('never imports lib/ from lambda/ or lambda/ from lib/', () => {
    const crossing = [
      ...sourcesUnder('lambda').flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith(`lib${path.sep}`))
          .map((i) => `${f} → ${i}`),
      ),
      ...sourcesUnder('lib').flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith(`lambda${path.sep}`))
          .map((i) => `${f} → ${i}`),
      ),
    ];

    expect(crossing).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    const cycles = cyclesAmong(EVERYWHERE.flatMap(sourcesUnder)).map((c) => c.join(' → '));

    expect(cycles).toEqual([]);
  });

  it('finds a type-only cycle and a long function when a tree has them', () => {
    // Prepare: a.ts imports b.ts; b.ts imports a type back and holds a 90-line function.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vip-failover-structure-'));
    try {
      fs.writeFileSync(path.join(root, 'a.ts'), "import { b } from './b';\nexport type A = 1;\n");
      const body = Array.from({ length: 88 }, (_, i) => `  const v${i} = ${i};`).join('\n');
      fs.writeFileSync(
        path.join(root, 'b.ts'),
        `import type { A } from './a';\nexport function b(): void {\n${body}\n}\n`,
      );

      // Act
      const cycles = cyclesAmong(['a.ts', 'b.ts'], root);
      const long = functionsOf('b.ts', root).filter((f) => f.lines > MAX_FUNCTION_LINES);

      // Assess
      expect(cycles).toEqual([['a.ts', 'b.ts', 'a.ts']]);
      expect(long).toEqual([{ name: 'b', lines: 90 }]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
