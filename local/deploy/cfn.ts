// Just enough of CloudFormation's intrinsic functions to read the template the way AWS will:
// string-building functions and conditions are evaluated, references stay symbolic ("Ref:X", "GetAtt:X.Arn").
import type { CfnResource } from './package-service.js';

export type Resolved = string | number | boolean | null | Resolved[] | { [key: string]: Resolved };

/** What `Ref: AWS::NoValue` leaves: the property or list item is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

/** Conditions evaluated once per template; `Fn::If` looks them up. */
let conditions: Record<string, boolean> = {};

export function evaluateConditions(defs: Record<string, unknown> = {}): Record<string, boolean> {
  conditions = {};
  for (const [name, def] of Object.entries(defs)) conditions[name] = Boolean(resolveIntrinsics(def));
  return conditions;
}

export function resolveIntrinsics(value: unknown): Resolved {
  const resolved = resolveOrDrop(value);
  return resolved === NO_VALUE ? null : resolved;
}

function resolveOrDrop(value: unknown): Resolved | typeof NO_VALUE {
  if (Array.isArray(value)) return value.map(resolveOrDrop).filter((v): v is Resolved => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value as Resolved;
  const entries = Object.entries(value);
  const [fn, arg] = entries[0] ?? [];
  if (entries.length === 1 && fn !== undefined) {
    switch (fn) {
      case 'Ref':
        return arg === 'AWS::NoValue' ? NO_VALUE : `Ref:${String(arg)}`;
      case 'Condition':
        return condition(String(arg));
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return resolveOrDrop(condition(name) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = resolveIntrinsics(arg) as [Resolved, Resolved];
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !(resolveIntrinsics(arg) as boolean[])[0];
      case 'Fn::GetAtt':
        return `GetAtt:${(arg as string[]).join('.')}`;
      case 'Fn::Join': {
        const [sep, parts] = resolveIntrinsics(arg) as [string, Resolved[]];
        return parts.map(String).join(sep);
      }
      case 'Fn::Split': {
        const [sep, text] = resolveIntrinsics(arg) as [string, string];
        return text.split(sep);
      }
      case 'Fn::Select': {
        const [index, list] = resolveIntrinsics(arg) as [number, Resolved[]];
        const picked = list[Number(index)];
        if (picked === undefined) throw new Error(`Fn::Select index ${index} is outside a list of ${list.length}`);
        return picked;
      }
    }
  }
  return Object.fromEntries(
    entries.map(([k, v]) => [k, resolveOrDrop(v)] as const).filter(([, v]) => v !== NO_VALUE),
  ) as Resolved;
}

function condition(name: string): boolean {
  const value = conditions[name];
  if (value === undefined) throw new Error(`condition ${name} is not defined in the template`);
  return value;
}

/** The resources CloudFormation would create: those whose Condition holds. */
export function createdResources(resources: Record<string, CfnResource>): Record<string, CfnResource> {
  return Object.fromEntries(
    Object.entries(resources).filter(([, r]) => r.Condition === undefined || condition(r.Condition)),
  );
}

export interface PolicyStatement {
  role: string;
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
}

const asText = (v: Resolved | undefined): string =>
  typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
const asList = (v: Resolved | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(asText) : [asText(v)];

/** Every statement of every inline policy on every role, resolved. */
export function roleStatements(resources: Record<string, CfnResource>): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [role, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = resolveIntrinsics(resource.Properties) as {
      Policies?: { PolicyDocument: { Statement: Record<string, Resolved>[] } }[];
    };
    for (const policy of props.Policies ?? []) {
      for (const s of policy.PolicyDocument.Statement) {
        statements.push({
          role,
          sid: asText(s.Sid),
          effect: asText(s.Effect),
          actions: asList(s.Action),
          resources: asList(s.Resource),
        });
      }
    }
  }
  return statements;
}

/** The actions a role is allowed on a resource, exactly as written. */
export function allowedActions(statements: PolicyStatement[], role: string, resource: string): string[] {
  return statements
    .filter((s) => s.role === role && s.effect === 'Allow' && s.resources.includes(resource))
    .flatMap((s) => s.actions)
    .sort();
}
