import type { Engine } from '@berth/contracts';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from './lib/api';
import { fieldOf } from './lib/spec';

/** A state or health as a coloured word (colour is never the only cue: the word is there). */
export const Badge = ({ value }: { value: string }) => (
  <span class={`badge badge-${value}`}>{value}</span>
);

const percent = (used: number, total: number) =>
  total <= 0 ? 0 : Math.min(100, Math.round((used / total) * 100));

/** How much of a capacity is reserved (or in use), as a bar with the numbers beside it. */
export const Meter = ({
  label,
  used,
  total,
  unit,
  verb = 'reserved',
}: {
  label: string;
  used: number;
  total: number;
  unit: string;
  verb?: string;
}) => {
  const share = percent(used, total);
  const text = `${label}: ${round(used)} of ${round(total)} ${unit} ${verb} (${share}%)`;
  return (
    <div class="meter">
      <div class="meter-label">
        <span>{label}</span>
        <span>
          {round(used)} / {round(total)} {unit}
        </span>
      </div>
      <div
        class="meter-track"
        role="meter"
        aria-label={text}
        aria-valuenow={share}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div
          class={`meter-fill${share >= 90 ? ' meter-high' : ''}`}
          style={{ width: `${share}%` }}
        />
      </div>
    </div>
  );
};

/** An engine's CPU and memory reserved against its capacity, and measured in use when known. */
export const Reserved = ({ of }: { of: Engine }) => (
  <>
    <Meter label="CPU" used={of.reservedCpus} total={of.cpus} unit="CPUs" />
    {of.usedCpuPercent !== null && (
      <Meter
        label="CPU in use"
        used={(of.usedCpuPercent / 100) * of.cpus}
        total={of.cpus}
        unit="CPUs"
        verb="in use"
      />
    )}
    <Meter label="Memory" used={of.reservedMemory} total={of.memory} unit="MB" />
    {of.usedMemory !== null && (
      <Meter label="Memory in use" used={of.usedMemory} total={of.memory} unit="MB" verb="in use" />
    )}
  </>
);

export const round = (n: number) => Math.round(n * 100) / 100;
export const when = (iso: string) => new Date(iso).toLocaleString();

/** Replicas by state as one stacked bar, with a legend that says the counts in words. */
export const StateBar = ({ counts }: { counts: Record<string, number> }) => {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return (
    <div class="statebar">
      <div class="statebar-track" aria-hidden="true">
        {entries.map(([state, n]) => (
          <div class={`statebar-part badge-${state}`} style={{ width: `${(n / total) * 100}%` }} />
        ))}
      </div>
      <p class="legend">
        {total === 0
          ? 'no replicas'
          : entries.map(([state, n]) => (
              <span class="legend-item">
                <span class={`dot badge-${state}`} aria-hidden="true" /> {n} {state}
              </span>
            ))}
      </p>
    </div>
  );
};

/** A labelled input with the API's message beside it when its error names this field. */
export const Field = ({
  id,
  name,
  label,
  error,
  hint,
  prefix,
  children,
}: {
  id: string;
  name: string;
  prefix?: string;
  label: string;
  error: ApiError | undefined;
  hint?: string;
  children: (props: Record<string, unknown>) => ComponentChildren;
}) => {
  const mine = error !== undefined && fieldOf(error.field, prefix) === name;
  const describedBy = [hint === undefined ? '' : `${id}-hint`, mine ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${mine ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        name,
        'aria-invalid': mine ? 'true' : undefined,
        'aria-describedby': describedBy || undefined,
      })}
      {hint === undefined ? null : (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {mine ? (
        <p id={`${id}-error`} class="field-error" role="alert" data-field={error.field}>
          {error.message}
        </p>
      ) : null}
    </div>
  );
};

/** An error no field of the form claims, shown above the form. */
export const FormError = ({
  error,
  fields,
  prefix,
}: {
  error: ApiError | undefined;
  fields: string[];
  prefix?: string;
}) =>
  error === undefined || fields.includes(fieldOf(error.field, prefix) ?? '') ? null : (
    <p class="form-error" role="alert">
      {error.message}
    </p>
  );

/** A destructive button that asks once more, inline, before it acts. */
export const ConfirmButton = ({
  label,
  question,
  onConfirm,
}: {
  label: string;
  question: string;
  onConfirm: () => Promise<unknown>;
}) => {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void onConfirm().finally(() => {
            setBusy(false);
            setAsking(false);
          });
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
};

/** A table that scrolls sideways on a narrow screen instead of squeezing. */
export const Table = ({ caption, children }: { caption: string; children: ComponentChildren }) => (
  <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
    <table>
      <caption class="visually-hidden">{caption}</caption>
      {children}
    </table>
  </div>
);

export const Problem = ({ error }: { error: ApiError | undefined }) =>
  error === undefined ? null : (
    <p class="form-error" role="alert">
      {error.message}
    </p>
  );
