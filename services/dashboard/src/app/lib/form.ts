import { useState } from 'preact/hooks';
import { ApiError } from './api';

/** A form's text values, its API error and whether it is being sent. */
export const useForm = <T extends Record<string, string>>(initial: T) => {
  const [values, setValues] = useState(initial);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  /** The props that bind an input to `values[name]`. */
  const bind = (name: keyof T & string) => ({
    value: values[name],
    onInput: (e: Event) =>
      setValues((v) => ({ ...v, [name]: (e.currentTarget as HTMLInputElement).value })),
  });
  /** Sends; an API error stays on the form, success clears it and may reset the values. */
  const send = async (action: () => Promise<unknown>, reset = false) => {
    setBusy(true);
    try {
      await action();
      setError(undefined);
      if (reset) setValues(initial);
      return true;
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError(0, 'client', String(reason)));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { values, bind, error, busy, send };
};
