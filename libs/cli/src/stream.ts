import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A GET whose body may stay quiet for hours (`--follow`). Node's fetch ends a body that sends
 * nothing for 300 s; a plain http request has no such limit, so only `idleMs` (when given)
 * decides that a silent connection is dead.
 */
export const openStream = (
  url: URL,
  headers: Record<string, string>,
  idleMs?: number,
): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers }, (response) => {
      if (idleMs !== undefined)
        response.setTimeout(idleMs, () =>
          response.destroy(new Error(`nothing for ${idleMs / 1000} s`)),
        );
      resolve(response);
    });
    req.on('error', reject);
    req.end();
  });

/** The whole body of a response as text (an error answer, say). */
export const textOf = async (response: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of response) text += (chunk as Buffer).toString('utf8');
  return text;
};
