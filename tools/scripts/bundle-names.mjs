// esbuild's `keepNames` keeps every function's and class's `name` right in the bundle (messages
// show them: error names, `describeValue`), by wrapping each in `__name(fn, "name")` — which
// runs every time the wrapper runs: a closure made per call (an arrow in an object literal of a
// hot path) pays an `Object.defineProperty` each time. Most wrappers give a name the language
// gives anyway (`{ started: () => … }` is named `started`, `x = class {}` is `x`). This drops
// those, and only those: where the name it sets is the one JavaScript's own naming gives there.
// The names that esbuild changed (two modules' `describe` become `describe2`…), or that an inner
// class name would change (`X = class _X {}`), keep their wrapper. Dropped text is blanked with
// spaces, so the source map's lines and columns still hold.
import { parse } from 'acorn';

/** The name JavaScript gives an anonymous function or class that is `node`, child of `parent`. */
function givenName(node, parent) {
  if (parent === undefined) return undefined;
  const key = (k) => (k.type === 'Identifier' ? k.name : k.type === 'Literal' && typeof k.value === 'string' ? k.value : undefined);
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.init === node && parent.id.type === 'Identifier' ? parent.id.name : undefined;
    case 'AssignmentExpression':
      return parent.right === node && parent.operator === '=' && parent.left.type === 'Identifier' ? parent.left.name : undefined;
    case 'Property':
      return parent.value === node && !parent.computed && parent.kind === 'init' && !parent.method ? key(parent.key) : undefined;
    case 'PropertyDefinition':
      return parent.value === node && !parent.computed && parent.key.type !== 'PrivateIdentifier' ? key(parent.key) : undefined;
    default:
      return undefined;
  }
}

/** An anonymous function or class definition: named by where it stands. */
function anonymous(node) {
  return node.type === 'ArrowFunctionExpression' || ((node.type === 'FunctionExpression' || node.type === 'ClassExpression') && node.id === null);
}

/** `__name(target, "name")`, as esbuild writes it: its target and name, else undefined. */
function nameCall(node) {
  if (node?.type !== 'CallExpression' || node.callee.type !== 'Identifier' || node.callee.name !== '__name' || node.arguments.length !== 2) return undefined;
  const [target, name] = node.arguments;
  return name.type === 'Literal' && typeof name.value === 'string' ? { target, name: name.value } : undefined;
}

/** Every node of `ast` with its parent, depth first. */
function* walk(node, parent) {
  yield [node, parent];
  for (const [field, value] of Object.entries(node)) {
    if (field === 'loc' || value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const child of value) if (child !== null && typeof child === 'object' && typeof child.type === 'string') yield* walk(child, node);
    } else if (typeof value.type === 'string') yield* walk(value, node);
  }
}

/**
 * `code` (a bundle esbuild wrote with `keepNames`) without the `__name` wrappers that set the
 * name a function or class has without them; and how many were dropped.
 */
export function dropRedundantNames(code) {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true });
  // Top-level function declarations: `__name(f, "f")` in a module's init only restates their name
  // (esbuild hoists them out; the init declares nothing of its own that could shadow them).
  const topFunctions = new Set(ast.body.filter((s) => s.type === 'FunctionDeclaration' && s.id !== null).map((s) => s.id.name));
  const blanks = [];
  let dropped = 0;
  for (const [node, parent] of walk(ast, undefined)) {
    const call = nameCall(node);
    // A function or class with a name of its own keeps it wherever it stands: `function emit() {}`.
    const own = call?.target.type === 'FunctionExpression' || call?.target.type === 'ClassExpression' ? call.target.id?.name : undefined;
    if (call !== undefined && (own !== undefined ? own === call.name : anonymous(call.target) && givenName(node, parent) === call.name)) {
      // `__name(` … `, "name")` around the function: blanked, the function stays where it is.
      blanks.push([node.start, call.target.start], [call.target.end, node.end]);
      dropped += 1;
      continue;
    }
    if (node.type === 'ExpressionStatement') {
      const stated = nameCall(node.expression);
      if (stated?.target.type === 'Identifier' && stated.target.name === stated.name && topFunctions.has(stated.name)) {
        blanks.push([node.start, node.end]);
        dropped += 1;
      }
      continue;
    }
    // `static { __name(this, "X"); }` in a class whose own name is already X.
    if (node.type === 'ClassExpression' || node.type === 'ClassDeclaration') {
      const own = node.id?.name ?? givenName(node, parent);
      for (const member of node.body.body) {
        if (member.type !== 'StaticBlock' || member.body.length !== 1 || member.body[0].type !== 'ExpressionStatement') continue;
        const stated = nameCall(member.body[0].expression);
        if (stated?.target.type === 'ThisExpression' && stated.name === own) {
          blanks.push([member.start, member.end]);
          dropped += 1;
        }
      }
    }
  }
  // Blanked in place (acorn's offsets are UTF-16 units, as split('') makes them): every newline
  // kept (lines) and the length too (columns).
  const units = code.split('');
  for (const [start, end] of blanks) for (let i = start; i < end; i++) if (units[i] !== '\n') units[i] = ' ';
  return { code: units.join(''), dropped };
}
