import type { OpenApiDocument } from './document.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Described = { summary?: string; description?: string };
type Parameter = { name: string; in: string; required: boolean; schema: unknown };
type Op = Described & {
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, Described & { content?: Record<string, { schema: unknown }> }>;
};

const json = (value: unknown) => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;

const operationHtml = (method: string, path: string, op: Op) => {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''}) ` +
        `<code>${escape(JSON.stringify(p.schema))}</code></li>`,
    )
    .join('');
  const body = op.requestBody?.content['application/json']?.schema;
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `<li><b>${status}</b> ${escape(r.description ?? '')}` +
        `${Object.keys(r.content ?? {})
          .map((media) => ` <code>${escape(media)}</code>`)
          .join('')}</li>`,
    )
    .join('');
  return `<details><summary><b>${method.toUpperCase()}</b> <code>${escape(path)}</code> — ${escape(op.summary ?? '')}</summary>
${op.description === undefined ? '' : `<p>${escape(op.description)}</p>`}
${params === '' ? '' : `<h4>Parameters</h4><ul>${params}</ul>`}
${body === undefined ? '' : `<h4>Body</h4>${json(body)}`}
<h4>Responses</h4><ul>${responses}</ul></details>`;
};

/**
 * `/docs`: the document as one self-contained page (no script, nothing fetched), grouped by tag;
 * schemas are under "Schemas" and in /openapi.json for tools.
 */
export const docsPage = (doc: OpenApiDocument) => {
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods as Record<string, Op>)) {
      const tag = op.tags[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  const sections = [...byTag]
    .map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('\n')}`)
    .join('\n');
  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, schema]) =>
        `<details><summary><code>${name}</code></summary>${json(schema)}</details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
details{margin:.3rem 0;padding:.3rem .6rem;border:1px solid #ddd;border-radius:4px}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:13px}</style></head>
<body><h1>${escape(doc.info.title)} ${escape(doc.info.version)}</h1>
<p>${escape(doc.info.description)} The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
${sections}
<h2>Schemas</h2>${schemas}
</body></html>`;
};
