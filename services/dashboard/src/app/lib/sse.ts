/** One message of a text/event-stream: its `id`, `event` name (default "message") and data. */
export type SseMessage = { id: string | undefined; event: string; data: string };

/**
 * An incremental text/event-stream parser: feed it chunks as they arrive, it returns the
 * messages they complete. (A browser's EventSource cannot send an Authorization header.)
 */
export const sseParser = () => {
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  return (chunk: string): SseMessage[] => {
    buffer += chunk;
    const messages: SseMessage[] = [];
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      const width = buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the end may be half of a \r\n still to come.
      if (width === 1 && buffer[newline] === '\r' && newline === buffer.length - 1) break;
      buffer = buffer.slice(newline + width);
      if (line === '') {
        if (data.length > 0)
          messages.push({ id, event: event || 'message', data: data.join('\n') });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
    return messages;
  };
};
