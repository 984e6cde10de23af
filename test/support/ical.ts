/**
 * A small RFC 5545 reader for tests: unfolds lines, splits `NAME;PARAM=V:VALUE`, nests components and
 * unescapes TEXT values, so tests can check what the generator wrote without trusting the generator.
 */
export interface IcalProperty {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  readonly value: string;
}

export interface IcalComponent {
  readonly name: string;
  readonly properties: IcalProperty[];
  readonly components: IcalComponent[];
}

export function unfold(text: string): string[] {
  return text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
}

function parseLine(line: string): IcalProperty {
  let i = 0;
  let inQuotes = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ':' && !inQuotes) break;
  }
  const head = line.slice(0, i);
  const value = line.slice(i + 1);
  const [name = '', ...rawParams] = head.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const params: Record<string, string> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: name.toUpperCase(), params, value };
}

export function parseIcal(text: string): IcalComponent {
  const stack: IcalComponent[] = [];
  let root: IcalComponent | undefined;
  for (const line of unfold(text)) {
    const prop = parseLine(line);
    if (prop.name === 'BEGIN') {
      const component: IcalComponent = { name: prop.value.toUpperCase(), properties: [], components: [] };
      stack.at(-1)?.components.push(component);
      stack.push(component);
      root ??= component;
    } else if (prop.name === 'END') {
      const done = stack.pop();
      if (done?.name !== prop.value.toUpperCase()) throw new Error(`END:${prop.value} does not close ${done?.name ?? 'nothing'}`);
    } else {
      const top = stack.at(-1);
      if (top === undefined) throw new Error(`property outside a component: ${line}`);
      top.properties.push(prop);
    }
  }
  if (root === undefined || stack.length > 0) throw new Error('unbalanced BEGIN/END');
  return root;
}

export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function prop(component: IcalComponent, name: string): IcalProperty | undefined {
  return component.properties.find((p) => p.name === name);
}

export function props(component: IcalComponent, name: string): IcalProperty[] {
  return component.properties.filter((p) => p.name === name);
}

export function children(component: IcalComponent, name: string): IcalComponent[] {
  return component.components.filter((c) => c.name === name);
}
