import { useEffect, useState } from 'preact/hooks';
import { authHeaders, failure } from './api';

const KEEP_CHARS = 200_000;

/** A container's output, followed live (`?follow=1`) until the page leaves. */
export const useLog = (id: string, follow: boolean) => {
  const [text, setText] = useState('');
  // loading, following, ended, or why it failed
  const [state, setState] = useState('loading');
  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setState('loading');
    const read = async () => {
      const response = await fetch(
        `/api/containers/${encodeURIComponent(id)}/logs?tail=500${follow ? '&follow=1' : ''}`,
        { headers: authHeaders(), signal: abort.signal },
      );
      if (!response.ok || response.body === null) throw await failure(response);
      setState(follow ? 'following' : 'ended');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        // Keeps the newest part only, so a chatty container cannot fill the tab's memory.
        setText((old) => (old + value).slice(-KEEP_CHARS));
      }
      setState('ended');
    };
    read().catch((error: unknown) => {
      if (!abort.signal.aborted) setState(error instanceof Error ? error.message : String(error));
    });
    return () => abort.abort();
  }, [id, follow]);
  return { text, state };
};
