/**
 * License declarations → what the SBOM can say. A valid SPDX id or expression is kept as SPDX; anything else is kept
 * verbatim as a named license. Id case is fixed up (`mit` → `MIT`) the way the SPDX list spells it.
 */
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';

export function normaliseLicense(text: string | undefined): string[] {
  const t = text?.trim();
  if (!t) return [];
  return [t];
}

export type LicenseForm = { kind: 'id'; id: string } | { kind: 'expression'; expression: string } | { kind: 'name'; name: string };

export function classifyLicense(text: string): LicenseForm {
  const t = text.trim();
  const id = SPDX.fixupSpdxId(t);
  if (id) return { kind: 'id', id };
  const expression = asSpdxExpression(t);
  if (expression) return { kind: 'expression', expression };
  return { kind: 'name', name: t };
}

/** Accepts `A AND (B OR C)`, `A WITH exception` when every id is a known SPDX id; returns it with ids fixed up. */
export function asSpdxExpression(text: string): string | undefined {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (!tokens || tokens.length < 3) return undefined;
  const out: string[] = [];
  let expectOperand = true;
  let depth = 0;
  let afterWith = false;
  for (const tok of tokens) {
    const upper = tok.toUpperCase();
    if (tok === '(') {
      if (!expectOperand) return undefined;
      depth++;
      out.push(tok);
    } else if (tok === ')') {
      if (expectOperand || --depth < 0) return undefined;
      out.push(tok);
    } else if (upper === 'AND' || upper === 'OR' || upper === 'WITH') {
      if (expectOperand) return undefined;
      afterWith = upper === 'WITH';
      out.push(upper);
      expectOperand = true;
    } else {
      if (!expectOperand) return undefined;
      if (afterWith) {
        if (!/^[A-Za-z0-9.+-]+$/.test(tok)) return undefined;
        out.push(tok);
      } else {
        const plus = tok.endsWith('+') ? '+' : '';
        const id = SPDX.fixupSpdxId(plus ? tok.slice(0, -1) : tok) ?? (tok.startsWith('LicenseRef-') ? tok : undefined);
        if (!id) return undefined;
        out.push(id + plus);
      }
      afterWith = false;
      expectOperand = false;
    }
  }
  if (expectOperand || depth !== 0) return undefined;
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}
