/**
 * The CLI's `-o FORMAT[=FILE]` (repeatable, as Syft has it): which encodings go where. A value that names no format
 * is a FILE for CycloneDX JSON, as `-o FILE` meant before formats existed. At most one output goes to stdout; with
 * no `-o` at all, people at a terminal get the table and pipes get CycloneDX JSON.
 */
import { sbomFormat, sbomFormatNames, type SbomFormat } from './index.js';

export interface OutputSpec {
  format: SbomFormat;
  /** Undefined: stdout. */
  file?: string;
}

export class OutputSpecError extends Error {}

export function parseOutputSpecs(values: readonly string[], stdoutIsTerminal: boolean): OutputSpec[] {
  if (values.length === 0) return [{ format: sbomFormat(stdoutIsTerminal ? 'table' : 'cyclonedx-json')! }];
  const specs = values.map((value): OutputSpec => {
    const eq = value.indexOf('=');
    const name = eq === -1 ? value : value.slice(0, eq);
    const format = sbomFormat(name);
    if (format) {
      const file = eq === -1 ? undefined : value.slice(eq + 1);
      if (file === '') throw new OutputSpecError(`-o ${value}: the file name after = is empty`);
      return { format, file };
    }
    if (eq !== -1) throw new OutputSpecError(`-o ${value}: ${JSON.stringify(name)} is not a format (${sbomFormatNames().join(', ')})`);
    return { format: sbomFormat('cyclonedx-json')!, file: value };
  });
  if (specs.filter((s) => s.file === undefined).length > 1) throw new OutputSpecError('only one -o FORMAT may go to stdout; give the others =FILE');
  return specs;
}
