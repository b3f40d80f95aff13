/**
 * Form pieces the screens all write the same way: a labelled field, a select over a list with an
 * optional first "any" / "none" choice, a form's submit-and-cancel row and a filter form's
 * apply-and-clear buttons. They render the markup the screens wrote by hand, so the ids, label
 * texts and classes the e2e specs select by stay as they were.
 */
import type { ReactNode } from 'react';

export type FieldWidth = 'narrow' | 'wide' | 'inline';

/** A `.field` box: the label of control `id` above the control the caller puts in. */
export function Field({ id, label, width, children }: { id: string; label: ReactNode; width?: FieldWidth; children: ReactNode }): ReactNode {
  return (
    <div className={width ? `field field-${width}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/** A choice of a select: a bare value is labelled by `labels`, or by itself. */
export type SelectChoice<V extends string> = V | { value: V; label: string };

export interface SelectProps<V extends string> {
  id: string;
  value: V;
  onChange: (value: V) => void;
  options: readonly SelectChoice<V>[];
  labels?: Partial<Record<V, string>>;
  /** The label of a first choice with the empty value: "any" in a filter, "none" in a form. */
  empty?: string;
  required?: boolean;
  describedBy?: string;
}

export function Select<V extends string>({ id, value, onChange, options, labels, empty, required, describedBy }: SelectProps<V>): ReactNode {
  return (
    <select id={id} required={required} value={value} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value as V)}>
      {empty === undefined ? null : <option value="">{empty}</option>}
      {options.map((o) => {
        const choice = typeof o === 'string' ? { value: o, label: labels?.[o] ?? o } : o;
        return (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        );
      })}
    </select>
  );
}

export function SelectField<V extends string>({ label, width, ...select }: SelectProps<V> & { label: ReactNode; width?: FieldWidth }): ReactNode {
  return (
    <Field id={select.id} label={label} width={width}>
      <Select {...select} />
    </Field>
  );
}

/** A form's last row: the submit button (off while the request runs), Cancel, then anything else. */
export function FormButtons({ submit, pending, onCancel, children }: { submit: ReactNode; pending: boolean; onCancel: () => void; children?: ReactNode }): ReactNode {
  return (
    <div className="button-row">
      <button type="submit" className="button button-primary" disabled={pending}>
        {submit}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      {children}
    </div>
  );
}

/** The buttons of a filter form whose filters live in the address: apply them, and clear them when any is set. */
export function FilterButtons({ hasFilters, onClear }: { hasFilters: boolean; onClear: () => void }): ReactNode {
  return (
    <>
      <button type="submit" className="button button-primary">
        Apply filters
      </button>
      {hasFilters ? (
        <button type="button" className="button" onClick={onClear}>
          Clear
        </button>
      ) : null}
    </>
  );
}

/** The button that stands in for a form until it is opened ("Add an outlet"). */
export function OpenFormButton({ onOpen, children }: { onOpen: () => void; children: ReactNode }): ReactNode {
  return (
    <p>
      <button type="button" className="button button-primary" onClick={onOpen}>
        {children}
      </button>
    </p>
  );
}
