// Parse an AsyncAPI document with the official parser; print every diagnostic, exit 1 on an error.
import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'fs';
const parser = new Parser();
const { diagnostics } = await parser.parse(readFileSync(process.argv[2], 'utf8'));
const errors = diagnostics.filter(d => d.severity === 0);
for (const d of diagnostics) console.log(['error','warning','info','hint'][d.severity], d.code, d.path.join('.'), d.message);
process.exit(errors.length ? 1 : 0);
