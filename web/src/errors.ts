/** Maps a problem document's `errors[]` to the wizard steps and fields that own them. */

export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}

export interface StepFields {
  /** Step id. */
  id: string;
  /** Field paths (or path prefixes) the step owns, as the API names them. */
  fields: string[];
}

/** `addresses[0].city` and `addresses.0.city` both become `addresses.0.city`. */
export function normalizeField(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

function owns(prefix: string, field: string): boolean {
  const p = normalizeField(prefix);
  return field === p || field.startsWith(p + '.');
}

export interface MappedErrors {
  /** The first step (in wizard order) that has an error; null when none matched. */
  step: string | null;
  /** Field path → message, per step. */
  byStep: Record<string, Record<string, string>>;
  /** Errors no step owns (shown at the top of the current step). */
  unmatched: FieldProblem[];
}

export function mapErrorsToSteps(errors: FieldProblem[], steps: StepFields[], fieldPrefix = ''): MappedErrors {
  const byStep: Record<string, Record<string, string>> = {};
  const unmatched: FieldProblem[] = [];
  let first: number | null = null;
  for (const error of errors) {
    const field = normalizeField(fieldPrefix ? `${fieldPrefix}.${error.field}` : error.field);
    // the most specific owner wins (`addresses.registered_office` before `addresses`)
    let best: { index: number; length: number } | null = null;
    steps.forEach((step, index) => {
      for (const prefix of step.fields) {
        if (owns(prefix, field) && (!best || prefix.length > best.length)) best = { index, length: prefix.length };
      }
    });
    if (!best) {
      unmatched.push(error);
      continue;
    }
    const { index } = best as { index: number; length: number };
    const id = steps[index].id;
    byStep[id] ??= {};
    byStep[id][field] ??= error.message;
    if (first === null || index < first) first = index;
  }
  return { step: first === null ? null : steps[first].id, byStep, unmatched };
}

/** The message for a field, or for the closest parent path with one. */
export function errorFor(errors: Record<string, string> | undefined, field: string): string | undefined {
  if (!errors) return undefined;
  let path = normalizeField(field);
  for (;;) {
    if (errors[path]) return errors[path];
    const cut = path.lastIndexOf('.');
    if (cut < 0) return undefined;
    path = path.slice(0, cut);
  }
}
