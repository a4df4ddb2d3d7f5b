/**
 * The run and update forms' text fields turned into the API's JSON. Nothing is checked here:
 * the API is the one judge, and its error names the field the form shows it beside.
 */

/** Splits a command line into words the way a shell would for plain quoting ('…', "…", \x). */
export const splitWords = (line: string): string[] => {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < line.length) word += line.charAt(++i);
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line.charAt(++i);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
};

/** A number when the text is one; otherwise the text itself, for the API to refuse by name. */
export const numberOrText = (text: string): number | string => {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
};

const items = (text: string) =>
  text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `80`, `8080:80`, `53/udp` — one per line or comma — as the API's port objects. */
export const parsePorts = (text: string) =>
  items(text).map((item) => {
    const [mapping = '', protocol] = item.split('/');
    const parts = mapping.split(':');
    const container = numberOrText(parts.at(-1) ?? '');
    const host = parts.length > 1 ? numberOrText(parts[0] ?? '') : undefined;
    return {
      container,
      ...(host === undefined ? {} : { host }),
      ...(protocol === undefined ? {} : { protocol }),
    };
  });

/** `KEY=value` lines as an object (a line without `=` is a variable with an empty value). */
export const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const equals = line.indexOf('=');
        return equals < 0
          ? [line.trim(), '']
          : [line.slice(0, equals).trim(), line.slice(equals + 1)];
      }),
  );

export type RunForm = {
  name: string;
  image: string;
  command: string;
  cpus: string;
  memory: string;
  ports: string;
  env: string;
  healthCommand: string;
  healthInterval: string;
};

export const EMPTY_RUN_FORM: RunForm = {
  name: '',
  image: '',
  command: '',
  cpus: '',
  memory: '',
  ports: '',
  env: '',
  healthCommand: '',
  healthInterval: '',
};

/** The body of `POST /api/containers`: only what the form says, the API fills in the rest. */
export const runBody = (form: RunForm) => {
  const cmd = splitWords(form.command);
  const env = parseEnv(form.env);
  const ports = parsePorts(form.ports);
  const healthCmd = splitWords(form.healthCommand);
  return {
    image: form.image.trim(),
    ...(form.name.trim() === '' ? {} : { name: form.name.trim() }),
    ...(cmd.length === 0 ? {} : { cmd }),
    ...(form.cpus.trim() === '' ? {} : { cpus: numberOrText(form.cpus) }),
    ...(form.memory.trim() === '' ? {} : { memory: numberOrText(form.memory) }),
    ...(ports.length === 0 ? {} : { ports }),
    ...(Object.keys(env).length === 0 ? {} : { env }),
    ...(healthCmd.length === 0
      ? {}
      : {
          healthcheck: {
            cmd: healthCmd,
            ...(form.healthInterval.trim() === ''
              ? {}
              : { intervalSeconds: numberOrText(form.healthInterval) }),
          },
        }),
  };
};

/**
 * The form field an API error names: its first segment (`ports.0.container` → `ports`), after
 * `prefix` when the form edits a part of the body (`spec.` in an update).
 */
export const fieldOf = (apiField: string | undefined, prefix = '') =>
  (apiField?.startsWith(prefix) ? apiField.slice(prefix.length) : apiField)?.split('.')[0];
